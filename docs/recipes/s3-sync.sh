#!/bin/sh
# Publish a Bulletin site to an S3-style bucket with the AWS command line (see docs/publishing.md).
#
#   BUCKET=s3://briefings-example-org sh docs/recipes/s3-sync.sh
#
# Run it at the top of a repository that holds Bulletin and the site (build.py, site.yaml,
# content/, published/), on a machine that keeps public/ between runs, or in CI that restores
# public/ and .bulletin-cache/ from its cache. Bulletin keeps every output file whose bytes did not
# change as it was, modification time included, and `aws s3 sync` uploads a file only when its
# size differs or it is newer than the object in the bucket: so each run uploads what changed.
#
# The uploads go in passes, one per kind of file, because each kind needs its own Content-Type or
# Cache-Control, and sync sets those only on the files it uploads. Files a new page needs go up
# before the pages that link to them; what the site no longer has is deleted last.
set -eu

: "${BUCKET:?set BUCKET, e.g. BUCKET=s3://briefings-example-org}"
OUT=public

# --locked: every CAP message that is due must already be recorded in published/ (commit it with
# the content); this build never records one.
python build.py --locked --output "$OUT"

sync() {
    aws s3 sync "$OUT/" "$BUCKET" --no-progress --exclude '.*' --exclude '*/.*' "$@"
}

# The stylesheet and scripts: their names never change, so an hour at most.
sync --exclude '*' --include 'css/*' --include 'js/*' \
    --cache-control 'public, max-age=3600'

# Every CAP message ever sent: published/ keeps their bytes, they never change.
sync --exclude '*' --include 'briefings/*/cap/*.xml' \
    --content-type 'application/cap+xml; charset=utf-8' --cache-control 'public, max-age=86400'

# Each briefing's latest CAP message, and the feeds: aggregators poll them, so never stale.
sync --exclude '*' --include 'briefings/*/alert.xml' \
    --content-type 'application/cap+xml; charset=utf-8' --cache-control 'no-cache'
sync --exclude '*' --include 'feed.xml' --include '*/feed.xml' --include 'alerts.xml' \
    --content-type 'application/atom+xml; charset=utf-8' --cache-control 'no-cache'
sync --exclude '*' --include 'feed.json' --include '*/feed.json' \
    --content-type 'application/feed+json; charset=utf-8' --cache-control 'no-cache'

# Everything else (pages, search index, sitemap, robots.txt): revalidate on every view, so a new
# threat level shows at once.
sync --exclude 'css/*' --exclude 'js/*' --exclude 'briefings/*/cap/*.xml' \
    --exclude 'briefings/*/alert.xml' --exclude 'feed.xml' --exclude '*/feed.xml' --exclude 'alerts.xml' \
    --exclude 'feed.json' --exclude '*/feed.json' \
    --cache-control 'no-cache'

# Now every file is up to date, so this only deletes what the site no longer has.
sync --delete
