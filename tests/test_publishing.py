"""docs/publishing.md and its recipes (docs/recipes/): each recipe parses, its build command is a valid
``build.py`` invocation that builds a copy of the example site, its shell steps run as a CI machine would
run them, the hosts agree on content types and cache lifetimes, and the headers of nginx.conf (its
Content-Security-Policy above all) hold in Debian's chromium with the site under a sub-path.

A recipe assumes a repository that holds Bulletin and the site together, as this one does: the tests
copy the example site's files, build.py and requirements.txt into a temporary folder and link bulletin/.
``python`` on the recipes' PATH is this interpreter; ``python -m pip`` and ``aws`` are recorded, not run.
"""

from __future__ import annotations

import base64
import fnmatch
import http.server
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, run_build_py
from live_site import free_port, wait_until

from bulletin.cli import make_parser

DOCS = REPO / "docs"
RECIPES = DOCS / "recipes"
SITE_PARTS = ("site.yaml", "content", "published", "templates", "static")
PREFIX = "/sub/path/"
EXAMPLE_HOST = re.compile(r"^https?://(?:[\w-]+\.)*(?:example\.(?:org|com|net)|localhost|127\.0\.0\.1)(?::\d+)?(?:/|$)")
SECRET_EXPRESSION = "${{ secrets.BULLETIN_CACHE_KEY }}"


# A repository with Bulletin and the site, and CI machines to run the recipes on --------------------------


def example_repository(target: Path) -> Path:
    """A copy of the example site with Bulletin beside it, after a first build that records published/."""
    root = target / "repository"
    root.mkdir(parents=True)
    for name in SITE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    shutil.copy2(REPO / "build.py", root / "build.py")
    shutil.copy2(REPO / "requirements.txt", root / "requirements.txt")
    (root / "bulletin").symlink_to(REPO / "bulletin", target_is_directory=True)
    first = run_build_py("--site", str(root), "--quiet", "--no-cache", cwd=target)  # as the author does
    assert first.code == 0, first.err
    shutil.rmtree(root / "public")  # what CI checks out has no output
    return root


SHIM = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
    shift 2
    exec "{python}" "{record}" pip "$@"
fi
exec "{python}" "$@"
"""
RECORD = """import json, os, sys
with open(os.environ["RECORDED_CALLS"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
"""


@dataclass
class Runner:
    """A fresh CI machine: its own home (so its own ~/.cache/bulletin/cache-key) and a checkout."""

    root: Path
    home: Path
    bin: Path

    @classmethod
    def make(cls, tmp: Path, name: str) -> Runner:
        base = tmp / name
        root = example_repository(base)
        home, tools = base / "home", base / "bin"
        home.mkdir()
        tools.mkdir()
        (tools / "record.py").write_text(RECORD, encoding="utf-8")
        for command in ("python", "python3"):
            (tools / command).write_text(SHIM.format(python=sys.executable, record=tools / "record.py"))
        (tools / "aws").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{tools / "record.py"}" aws "$@"\n')
        for tool in tools.iterdir():
            tool.chmod(0o755)
        return cls(root, home, tools)

    def run(
        self, script: str, shell: str = "bash", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "SOURCE_DATE_EPOCH")}
        clean.update(
            HOME=str(self.home), PATH=f"{self.bin}{os.pathsep}{os.environ['PATH']}", RECORDED_CALLS=str(self.calls)
        )
        clean.update(env or {})
        return subprocess.run(
            [shell, "-e", "-c", script], cwd=self.root, env=clean, capture_output=True, text=True, timeout=300
        )

    @property
    def calls(self) -> Path:
        return self.bin.parent / "calls.jsonl"

    def recorded(self, tool: str) -> list[list[str]]:
        if not self.calls.exists():
            return []
        lines = self.calls.read_text(encoding="utf-8").splitlines()
        return [call[1:] for call in map(json.loads, lines) if call[0] == tool]

    @property
    def key(self) -> Path:
        return self.home / ".cache" / "bulletin" / "cache-key"


def build_options(command: str) -> list[str]:
    """The options of the one ``python build.py …`` line in ``command``; build.py's parser must accept them."""
    lines = [line.strip() for line in command.splitlines() if "build.py" in line and not line.strip().startswith("#")]
    assert len(lines) == 1, command
    argv = shlex.split(lines[0].split("&&")[-1])
    assert argv[0] in ("python", "python3") and argv[1] == "build.py", lines[0]
    options = make_parser().parse_args(argv[2:])  # a usage error fails the test with build.py's message
    assert options.command == "build", lines[0]
    assert options.locked, f"{lines[0]}: CI must build with --locked"
    assert not (options.drafts or options.now or options.base_url), f"{lines[0]}: publish what site.yaml says, now"
    return argv[2:]


def python_version(text: str) -> tuple[int, ...]:
    version = tuple(int(part) for part in re.findall(r"\d+", text)[:2])
    assert version >= (3, 11), f"Bulletin needs Python 3.11 or later, not {text}"
    return version


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def reused_sources(runner: Runner, options: list[str], env: dict[str, str]) -> int:
    """Run the recipe's build once more, verbosely, and say how many parsed sources came from the cache."""
    result = runner.run(shlex.join(["python", "build.py", *options, "--verbose"]), env=env)
    assert result.returncode == 0, result.stderr
    found = re.search(r"reused (\d+) parsed sources", result.stderr)
    assert found, result.stderr
    return int(found.group(1))


# GitHub Pages ------------------------------------------------------------------------------------------


def github_workflow() -> dict:
    return yaml.safe_load((RECIPES / "github-pages.yml").read_text(encoding="utf-8"))


def github_step_env(step: dict, secret: str) -> dict[str, str]:
    env = {}
    for name, value in (step.get("env") or {}).items():
        assert value == SECRET_EXPRESSION, f"{name}: {value}: the test knows only the cache key secret"
        env[name] = secret
    assert "${{" not in step["run"], f"{step['name']}: the test cannot run expressions in a run step"
    return env


def run_github_steps(runner: Runner, secret: str, *, until_build: bool = False) -> None:
    for step in github_workflow()["jobs"]["build"]["steps"]:
        if "run" not in step:
            continue
        if until_build and "build.py" in step["run"]:
            return
        result = runner.run(step["run"], env=github_step_env(step, secret))  # GitHub's default: bash -e
        assert result.returncode == 0, f"{step['name']}:\n{result.stderr}"


def test_the_github_pages_workflow_has_the_steps_it_needs() -> None:
    flow = github_workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads the key `on` as true
    assert {"push", "schedule", "workflow_dispatch"} <= set(triggers)
    assert flow["permissions"] == {"contents": "read"}
    assert flow["concurrency"]["cancel-in-progress"] is False
    steps = flow["jobs"]["build"]["steps"]
    actions = [step["uses"].partition("@")[0] for step in steps if "uses" in step]
    assert actions == ["actions/checkout", "actions/setup-python", "actions/cache", "actions/upload-pages-artifact"]
    at = {
        action: next(i for i, s in enumerate(steps) if s.get("uses", "").startswith(action + "@")) for action in actions
    }
    runs = {i: step["run"] for i, step in enumerate(steps) if "run" in step}
    (build_at,) = (i for i, run in runs.items() if "build.py" in run)
    (install_at,) = (i for i, run in runs.items() if "pip install" in run)
    (key_at,) = (i for i, run in runs.items() if "cache-key" in run)
    assert at["actions/checkout"] < at["actions/setup-python"] < install_at < build_at
    assert key_at < build_at and at["actions/cache"] < build_at < at["actions/upload-pages-artifact"]
    assert "-r requirements.txt" in runs[install_at]

    setup = steps[at["actions/setup-python"]]
    python_version(str(setup["with"]["python-version"]))
    assert setup["id"] == "python"  # the cache key uses its output
    cache = steps[at["actions/cache"]]["with"]
    assert cache["path"] == ".bulletin-cache"
    assert cache["key"].endswith("-${{ github.sha }}"), "a saved entry never changes: the key must change each run"
    assert cache["restore-keys"].strip() == cache["key"].removesuffix("${{ github.sha }}")
    for part in ("runner.os", "steps.python.outputs.python-version", "requirements.txt"):
        assert part in cache["key"]
    assert steps[key_at]["env"] == {"BULLETIN_CACHE_KEY": SECRET_EXPRESSION}

    options = build_options(runs[build_at])
    output = "public" if "--output" not in options else options[options.index("--output") + 1]
    assert steps[at["actions/upload-pages-artifact"]]["with"]["path"] == output

    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].partition("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_github_pages_steps_build_the_site_and_reuse_the_cache(tmp_path: Path) -> None:
    """Every run step in order on a fresh machine; then a second machine with the first one's cache and
    the same secret parses nothing again, and a third without the secret parses everything."""
    secret = new_key()
    first = Runner.make(tmp_path, "first")
    run_github_steps(first, secret)
    assert (first.root / "public" / "index.html").is_file()
    assert (first.root / "public" / "briefings" / "reading-station-suspicious-item" / "cap" / "0.xml").is_file()
    assert first.recorded("pip") == [["install", "-r", "requirements.txt"]]
    assert first.key.read_bytes() == base64.b64decode(secret)
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600

    options = build_options(
        next(s["run"] for s in github_workflow()["jobs"]["build"]["steps"] if "build.py" in s.get("run", ""))
    )
    for name, secret_there, expected in (("second", secret, "all"), ("third", "", "none")):
        runner = Runner.make(tmp_path, name)
        shutil.copytree(first.root / ".bulletin-cache", runner.root / ".bulletin-cache")  # actions/cache restores it
        run_github_steps(runner, secret_there, until_build=True)
        reused = reused_sources(runner, options, env={})
        assert (reused > 20) if expected == "all" else (reused == 0), (name, reused)


# GitLab Pages ------------------------------------------------------------------------------------------


def gitlab_job() -> dict:
    config = yaml.safe_load((RECIPES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert set(config) == {"pages"}, "GitLab Pages publishes the job named pages"
    return config["pages"]


def test_the_gitlab_pages_job_builds_the_site_and_reuses_the_cache(tmp_path: Path) -> None:
    job = gitlab_job()
    image = job["image"]
    assert image.startswith("python:")
    python_version(image)
    assert job["artifacts"]["paths"] == ["public"]
    assert ".bulletin-cache/" in job["cache"]["paths"]
    assert job["cache"]["key"]["files"] == ["requirements.txt"]
    assert "$CI_DEFAULT_BRANCH" in job["rules"][0]["if"]
    options = build_options("\n".join(job["script"]))
    assert "--output" not in options  # public/, the folder GitLab publishes

    secret = new_key()
    lines = job["script"]
    first = Runner.make(tmp_path, "first")
    result = first.run("\n".join(lines), shell="sh", env={**gitlab_variables(job, first), "BULLETIN_CACHE_KEY": secret})
    assert result.returncode == 0, result.stderr  # each line with errexit, in the image's POSIX /bin/sh
    assert (first.root / "public" / "index.html").is_file()
    assert first.recorded("pip") == [["install", "-r", "requirements.txt"]]
    assert first.key.read_bytes() == base64.b64decode(secret)

    second = Runner.make(tmp_path, "second")
    shutil.copytree(first.root / ".bulletin-cache", second.root / ".bulletin-cache")  # GitLab restores it
    before_build = "\n".join(line for line in lines if "build.py" not in line)
    result = second.run(before_build, shell="sh", env={**gitlab_variables(job, second), "BULLETIN_CACHE_KEY": secret})
    assert result.returncode == 0, result.stderr
    assert reused_sources(second, options, {}) > 20


def gitlab_variables(job: dict, runner: Runner) -> dict[str, str]:
    return {name: value.replace("$CI_PROJECT_DIR", str(runner.root)) for name, value in job["variables"].items()}


# Netlify -----------------------------------------------------------------------------------------------


def netlify() -> dict:
    return tomllib.loads((RECIPES / "netlify.toml").read_text(encoding="utf-8"))


def test_the_netlify_build_command_builds_the_site(tmp_path: Path) -> None:
    config = netlify()
    python_version(config["build"]["environment"]["PYTHON_VERSION"])
    command = config["build"]["command"]
    options = build_options(command)
    assert config["build"]["publish"] == "public" and "--output" not in options
    runner = Runner.make(tmp_path, "netlify")
    result = runner.run(command, shell="sh")  # Netlify runs the command with a shell
    assert result.returncode == 0, result.stderr
    assert runner.recorded("pip") == [["install", "-r", "requirements.txt"]]
    assert (runner.root / "public" / "404.html").is_file()  # Netlify answers a missing page with it


def test_netlify_sends_the_headers_of_the_nginx_recipe() -> None:
    rules = netlify()["headers"]
    everywhere = [rule["values"] for rule in rules if rule["for"] == "/*"]
    assert everywhere == [dict((name, value) for name, value, _ in nginx_server().headers)]
    for rule in rules:
        if rule["for"] != "/*":
            assert set(rule["values"]) == {"Content-Type"}, rule


# An S3-style bucket ------------------------------------------------------------------------------------


@dataclass
class Bucket:
    """What `aws s3 sync` leaves in a bucket: it uploads a file whose size differs from the object's,
    or whose modification time is later than the object's upload, and with --delete removes objects the
    source lacks. Filters apply in order, the last that matches deciding; hidden files are not special."""

    objects: dict[str, dict[str, object]] = field(default_factory=dict)
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def sync(self, call: list[str], cwd: Path) -> None:
        assert call[:2] == ["s3", "sync"], call
        source, destination, rest = cwd / call[2], call[3], call[4:]
        assert call[2].rstrip("/") == "public" and destination == "s3://briefings-example-org", call
        filters, options, index = [], {}, 0
        while index < len(rest):
            name = rest[index]
            if name in ("--exclude", "--include"):
                filters.append((name, rest[index + 1]))
                index += 2
            elif name in ("--content-type", "--cache-control"):
                options[name] = rest[index + 1]
                index += 2
            else:
                assert name in ("--delete", "--no-progress"), name
                options[name] = True
                index += 1

        def included(key: str) -> bool:
            keep = True
            for kind, pattern in filters:
                if fnmatch.fnmatchcase(key, pattern):
                    keep = kind == "--include"
            return keep

        present = {p.relative_to(source).as_posix(): p for p in source.rglob("*") if p.is_file()}
        for key, path in sorted(present.items()):
            if not included(key):
                continue
            status = path.stat()
            old = self.objects.get(key)
            if old is None or old["size"] != status.st_size or status.st_mtime > old["at"]:  # type: ignore[operator]
                self.objects[key] = {
                    "size": status.st_size,
                    "at": time.time(),
                    "type": options.get("--content-type"),
                    "cache": options.get("--cache-control"),
                }
                self.uploaded.append(key)
        if options.get("--delete"):
            for key in [k for k in self.objects if k not in present and included(k)]:
                del self.objects[key]
                self.deleted.append(key)


def s3_passes() -> list[list[str]]:
    """The script's sync commands, as the shell splits them, without the leading ``aws``."""
    text = (RECIPES / "s3-sync.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    (body,) = re.findall(r"^sync\(\) \{\n\s*aws (.*)\n\}", text, flags=re.M)
    common = shlex.split(body.replace('"$OUT/"', "public/").replace('"$BUCKET"', "s3://briefings-example-org"))
    common.remove("$@")
    return [common + shlex.split(line[len("sync ") :]) for line in text.splitlines() if line.startswith("sync ")]


def test_the_s3_script_uploads_what_changed_with_its_type_and_lifetime(tmp_path: Path) -> None:
    runner = Runner.make(tmp_path, "s3")
    script = RECIPES / "s3-sync.sh"
    build_options(script.read_text(encoding="utf-8").replace('"$OUT"', "public"))
    env = {"BUCKET": "s3://briefings-example-org"}
    result = runner.run(f"sh {shlex.quote(str(script))}", shell="sh", env=env)
    assert result.returncode == 0, result.stderr
    public = runner.root / "public"
    bucket = Bucket()
    calls = runner.recorded("aws")
    assert calls == s3_passes()
    assert [("--delete" in call) for call in calls] == [False] * (len(calls) - 1) + [True]  # delete last
    for call in calls:
        bucket.sync(call, runner.root)
    files = sorted(p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file())
    assert sorted(bucket.uploaded) == [f for f in files if f != ".bulletin-output"]  # each once, in one pass
    assert (
        bucket.objects["briefings/reading-station-suspicious-item/cap/0.xml"]["type"]
        == "application/cap+xml; charset=utf-8"
    )
    assert bucket.objects["alerts.xml"]["type"] == "application/atom+xml; charset=utf-8"
    assert bucket.objects["index.html"]["cache"] == "no-cache"

    # An edit, a new briefing and a removed one: the second run uploads exactly the files whose bytes
    # changed (Bulletin kept the others as they were, modification time included) and deletes the rest.
    before = {f: (public / f).read_bytes() for f in files}
    briefings = runner.root / "content" / "briefings"
    edited = next(briefings.rglob("*armed-officers-london.md"))
    text = edited.read_text(encoding="utf-8")
    assert "Stay alert, not alarmed." in text
    edited.write_text(text.replace("Stay alert, not alarmed.", "Stay alert and calm."), encoding="utf-8")
    next(briefings.rglob("*awareness-week-manchester.md")).unlink()
    (briefings / "2026" / "2026-11-20-patrols-at-the-lights.md").write_text(
        '---\ntitle: "Patrols at the Christmas lights"\ndate: 2026-11-20T18:00:00\nsummary: "Officers at the '
        'switch-on."\nthreat_level: substantial\n---\nBody.\n',
        encoding="utf-8",
    )
    bucket.uploaded.clear()
    (runner.calls).unlink()
    result = runner.run(f"sh {shlex.quote(str(script))}", shell="sh", env=env)
    assert result.returncode == 0, result.stderr
    for call in runner.recorded("aws"):
        bucket.sync(call, runner.root)
    after = {p.relative_to(public).as_posix(): p.read_bytes() for p in public.rglob("*") if p.is_file()}
    changed = sorted(f for f, data in after.items() if before.get(f) != data and f != ".bulletin-output")
    assert "index.html" in changed and len(changed) < len(after) / 2
    assert sorted(bucket.uploaded) == changed
    assert sorted(bucket.deleted) == sorted(set(before) - set(after) - {".bulletin-output"})
    assert "briefings/awareness-week-manchester/index.html" in bucket.deleted


# What each host serves: nginx.conf, read as nginx reads it -------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def first(self, name: str) -> Directive | None:
        return next((d for d in self.block or [] if d.name == name), None)


def nginx_parse(text: str) -> list[Directive]:
    """nginx's syntax: words and quoted strings, ``;`` ending a directive, ``{ }`` a block, ``#`` comments."""
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
        elif char in "{};":
            tokens.append(("punct", char))
            index += 1
        elif char in "\"'":
            end = index + 1
            while text[end] != char:
                end += 2 if text[end] == "\\" else 1
            tokens.append(("word", text[index + 1 : end]))
            index = end + 1
        else:
            word = re.compile(r"[^\s;{}]+").match(text, index)
            assert word
            tokens.append(("word", word.group()))
            index = word.end()

    def parse(at: int, depth: int) -> tuple[list[Directive], int]:
        found: list[Directive] = []
        words: list[str] = []
        while at < len(tokens):
            kind, value = tokens[at]
            at += 1
            if kind == "word":
                words.append(value)
            elif value == ";":
                assert words, "an empty directive"
                found.append(Directive(words[0], words[1:]))
                words = []
            elif value == "{":
                children, at = parse(at, depth + 1)
                found.append(Directive(words[0], words[1:], children))
                words = []
            else:
                assert depth > 0 and not words, f"unbalanced }} after {words}"
                return found, at
        assert depth == 0 and not words, "a block or directive is not closed"
        return found, at

    return parse(0, 0)[0]


NGINX_TYPES = {".html": "text/html", ".css": "text/css", ".js": "application/javascript", ".json": "application/json"}
NGINX_TYPES |= {".xml": "text/xml", ".txt": "text/plain", ".svg": "image/svg+xml"}  # Debian's mime.types
DURATION = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


class NginxServer:
    """The recipe's HTTPS server block, answering as nginx would for files under ``root``: location
    choice (exact, longest prefix, then the first regular expression), try_files and index, error_page,
    types and default_type, charset, expires, and add_header with its inheritance (a location with any
    add_header of its own gets none of the server's) and ``always`` (without it, only 2xx and 3xx)."""

    def __init__(self, server: Directive, root: Path | None = None) -> None:
        self.server = server
        self.root = root
        block = server.block or []
        self.headers = [(d.args[0], d.args[1], d.args[2:] == ["always"]) for d in block if d.name == "add_header"]
        self.locations = [d for d in block if d.name == "location"]
        self.error_pages = {int(code): d.args[-1] for d in block if d.name == "error_page" for code in d.args[:-1]}
        index = server.first("index")
        self.index = index.args if index else ["index.html"]
        charset_types = server.first("charset_types")
        self.charset_types = {"text/html", *(charset_types.args if charset_types else [])}
        self.charset = server.first("charset")

    def location(self, uri: str) -> Directive:
        exact = [d for d in self.locations if d.args[0] == "=" and d.args[1] == uri]
        if exact:
            return exact[0]
        prefixes = [d for d in self.locations if len(d.args) == 1 or d.args[0] == "^~"]
        matching = sorted((d for d in prefixes if uri.startswith(d.args[-1])), key=lambda d: len(d.args[-1]))
        if matching and matching[-1].args[0] == "^~":
            return matching[-1]
        for d in self.locations:
            if d.args[0] in ("~", "~*") and re.search(d.args[1], uri, re.I if d.args[0] == "~*" else 0):
                return d
        assert matching, f"no location for {uri}"
        return matching[-1]

    def content_type(self, location: Directive, name: str) -> str:
        types, default = location.first("types"), location.first("default_type")
        if types is not None and not types.block and default:
            kind = default.args[0]
        else:
            kind = NGINX_TYPES.get(Path(name).suffix, "application/octet-stream")
        if self.charset and kind in self.charset_types:
            kind += f"; charset={self.charset.args[0]}"
        return kind

    def cache_control(self, location: Directive) -> str | None:
        expires = location.first("expires") or self.server.first("expires")
        if expires is None or expires.args[0] == "off":
            return None
        if expires.args[0] == "epoch":
            return "no-cache"
        number, unit = re.fullmatch(r"(\d+)([smhd]?)", expires.args[0]).groups()  # type: ignore[union-attr]
        return f"max-age={int(number) * DURATION[unit or 's']}"

    def respond(self, uri: str) -> Response:
        assert self.root is not None
        location = self.location(uri)
        if location.first("return"):
            return self.error(int(location.first("return").args[0]))  # type: ignore[union-attr]
        path = (self.root / uri.lstrip("/")).resolve()
        if not path.is_relative_to(self.root.resolve()):
            return self.error(404)
        if path.is_dir():
            if not uri.endswith("/"):
                return self.answer(location, 301, uri, extra=(("Location", uri + "/"),))  # absolute_redirect off
            for name in self.index:
                if (path / name).is_file():
                    return self.respond(uri + name)  # an internal redirect: the location is chosen again
            return self.error(404)
        if path.is_file():
            return self.answer(location, 200, uri, body=path.read_bytes())
        return self.error(404)

    def error(self, status: int) -> Response:
        target = self.error_pages.get(status)
        page = self.root / target.lstrip("/") if target and self.root else None
        if target and page and page.is_file():
            return self.answer(self.location(target), status, target, body=page.read_bytes())
        return self.answer(self.locations[0], status, "error.html", body=b"not found")

    def answer(
        self, location: Directive, status: int, name: str, body: bytes = b"", extra: tuple[tuple[str, str], ...] = ()
    ) -> Response:
        headers = [("Content-Type", self.content_type(location, name)), *extra]
        success = status in (200, 201, 204, 206, 301, 302, 303, 304, 307, 308)
        cache = self.cache_control(location)
        if cache and success:
            headers.append(("Cache-Control", cache))
        own = [(d.args[0], d.args[1], d.args[2:] == ["always"]) for d in location.block or [] if d.name == "add_header"]
        headers += [(n, v) for n, v, always in (own or self.headers) if always or success]
        return Response(status, headers, body)


def nginx_config() -> list[Directive]:
    return nginx_parse((RECIPES / "nginx.conf").read_text(encoding="utf-8"))


def nginx_server(root: Path | None = None) -> NginxServer:
    (https,) = [d for d in nginx_config() if d.name == "server" and d.first("root")]
    return NginxServer(https, root)


def nginx_csp() -> str:
    return dict((n, v) for n, v, _ in nginx_server().headers)["Content-Security-Policy"]


def test_the_nginx_recipe_says_what_the_docs_say() -> None:
    config = nginx_config()
    assert [d.name for d in config] == ["server", "server"]
    server = nginx_server()
    https = server.server
    assert https.first("root").args == ["/srv/briefings/public"]  # type: ignore[union-attr]
    assert server.index == ["index.html"] and server.error_pages == {404: "/404.html"}
    names = [name for name, _, always in server.headers if always]
    assert len(names) == len(server.headers), "every header with always, so the 404 page has them too"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"):
        assert name in names
    assert not [loc.args for loc in server.locations if loc.first("add_header")], (
        "add_header in a location drops the rest"
    )
    csp = dict(part.strip().split(" ", 1) for part in nginx_csp().split(";"))
    assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'" and csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'" and "unsafe-inline" not in csp["script-src"]
    redirect = [d for d in config if d.name == "server" and not d.first("root")][0]
    assert redirect.first("listen").args == ["80"]  # type: ignore[union-attr]


# Apache: the same answers as nginx ------------------------------------------------------------------------


@dataclass
class ApacheSite:
    headers: list[tuple[str, str]]
    cache: str | None
    sections: list[tuple[str, dict[str, str]]]  # LocationMatch pattern, its ForceType and Cache-Control
    directives: dict[str, list[str]]


def apache_site() -> ApacheSite:
    """The *:443 virtual host of apache.conf, as far as the tests need it."""
    text = (RECIPES / "apache.conf").read_text(encoding="utf-8")
    host = re.search(r"<VirtualHost \*:443>(.*?)</VirtualHost>", text, re.S)
    assert host
    headers, cache, sections, directives = [], None, [], {}
    section: tuple[str, dict[str, str]] | None = None
    for number, line in enumerate(host.group(1).splitlines()):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert "#" not in re.sub(r'"[^"]*"', "", line), f"line {number}: Apache has no comments after a directive"
        words = shlex.split(line)
        if words[0].startswith("<LocationMatch"):
            section = (words[1].rstrip(">"), {})
        elif words[0] == "</LocationMatch>":
            sections.append(section)  # type: ignore[arg-type]
            section = None
        elif section is not None:
            key = "Cache-Control" if words[:3] == ["Header", "set", "Cache-Control"] else words[0]
            section[1][key] = words[-1]
        elif words[:2] == ["Header", "always"]:
            assert words[2] == "set"
            headers.append((words[3], words[4]))
        elif words[:3] == ["Header", "set", "Cache-Control"]:
            cache = words[3]
        else:
            directives[words[0]] = words[1:]
    return ApacheSite(headers, cache, sections, directives)


def test_apache_sends_the_headers_of_the_nginx_recipe() -> None:
    site = apache_site()
    assert site.headers == [(n, v) for n, v, _ in nginx_server().headers]
    assert site.directives["DirectoryIndex"] == ["index.html"]
    assert site.directives["ErrorDocument"] == ["404", "/404.html"]
    assert site.directives["RedirectMatch"] == ["404", "/\\."]
    for pattern, _ in site.sections:
        re.compile(pattern)


# The hosts agree -------------------------------------------------------------------------------------------


def max_age(value: str | None) -> str | None:
    """A Cache-Control value reduced to what the tests compare: no-cache, or the max-age in seconds."""
    if value is None or "no-cache" in value:
        return "no-cache" if value else None
    found = re.search(r"max-age=(\d+)", value)
    return found.group(1) if found else value


def test_every_host_gives_each_file_the_same_type_and_lifetime(tmp_path: Path) -> None:
    """For every file of the output: the type nginx, Apache, Netlify and the S3 script set where they set
    one (they must all set it, or none), and the cache lifetime nginx, Apache and the S3 script give."""
    root = example_repository(tmp_path)
    public = tmp_path / "public"
    assert run_build_py("--site", str(root), "--output", str(public), "--quiet", "--locked", cwd=tmp_path).code == 0
    nginx = nginx_server(public)
    apache = apache_site()
    rules = [rule for rule in netlify()["headers"] if "Content-Type" in rule["values"]]
    passes = s3_passes()[:-1]

    def netlify_type(uri: str) -> str | None:
        for rule in rules:
            pattern = re.sub(r":\w+", "[^/]+", re.escape(rule["for"]).replace(r"\*", ".*").replace(r"\:", ":"))
            if re.fullmatch(pattern, uri):
                return rule["values"]["Content-Type"]
        return None

    def s3_metadata(key: str) -> dict[str, str]:
        for call in passes:
            keep = True
            for kind, pattern in zip(call, call[1:], strict=False):
                if kind in ("--exclude", "--include") and fnmatch.fnmatchcase(key, pattern):
                    keep = kind == "--include"
            if keep:
                return {
                    call[i]: call[i + 1]
                    for i in range(len(call) - 1)
                    if call[i] in ("--content-type", "--cache-control")
                }
        raise AssertionError(f"no pass uploads {key}")

    overridden = 0
    for path in sorted(p for p in public.rglob("*") if p.is_file() and not p.name.startswith(".")):
        key = path.relative_to(public).as_posix()
        uri = "/" + key
        location = nginx.location(uri)
        answer = nginx.respond(uri)
        assert answer.status == 200, uri
        types = {
            "nginx": answer.header("Content-Type") if location.first("default_type") else None,
            "apache": next(
                (s["ForceType"] for p, s in apache.sections if "ForceType" in s and re.search(p, uri)), None
            ),
            "netlify": netlify_type(uri),
            "s3": s3_metadata(key).get("--content-type"),
        }
        plain = {host: kind and kind.split(";")[0] for host, kind in types.items()}
        assert len(set(plain.values())) == 1, (uri, types)
        overridden += plain["nginx"] is not None
        apache_cache = next(
            (s["Cache-Control"] for p, s in apache.sections if "Cache-Control" in s and re.search(p, uri)), apache.cache
        )
        lifetimes = {
            "nginx": max_age(answer.header("Cache-Control")),
            "apache": max_age(apache_cache),
            "s3": max_age(s3_metadata(key).get("--cache-control")),
        }
        assert len(set(lifetimes.values())) == 1, (uri, lifetimes)
    assert overridden > 10  # feeds, the alerts index and the CAP messages
    assert nginx.respond("/alerts.xml").header("Content-Type") == "application/atom+xml; charset=utf-8"
    latest = nginx.respond("/briefings/reading-station-suspicious-item/alert.xml")
    assert latest.header("Content-Type") == "application/cap+xml; charset=utf-8"
    assert nginx.respond("/.bulletin-output").status == 404
    missing = nginx.respond("/no/such/page/")
    assert missing.status == 404 and missing.header("Cache-Control") is None
    assert missing.header("Content-Security-Policy") == nginx_csp() and b"<h1" in missing.body
    assert nginx.respond("/briefings").status == 301


# The documentation ----------------------------------------------------------------------------------------


def test_the_guide_names_every_recipe_and_links_nothing_outside() -> None:
    guide = (DOCS / "publishing.md").read_text(encoding="utf-8")
    recipes = sorted(p for p in RECIPES.iterdir() if p.is_file())
    for recipe in recipes:
        assert f"recipes/{recipe.name}" in guide, f"docs/publishing.md does not mention {recipe.name}"
    for target in re.findall(r"\]\(([^)\s]+)\)", guide):
        if re.match(r"^[a-z][\w+.-]*:", target):
            assert EXAMPLE_HOST.match(target), target
        else:
            assert (DOCS / target.partition("#")[0]).exists(), target
    for path in [DOCS / "publishing.md", *recipes]:
        for url in re.findall(r"https?://[^\s)\"'`>]+", path.read_text(encoding="utf-8")):
            assert EXAMPLE_HOST.match(url) or url.startswith(("https://$", "http://$")), f"{path.name}: {url}"
    assert "--base-url https://example.org/briefings/" in guide


# In a browser, with the headers of nginx.conf and the site under a sub-path ------------------------------------


class _EmulatedNginx(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: NginxServer) -> None:
        super().__init__(("127.0.0.1", 0), _NginxHandler)
        self.site = site
        self.requests: list[str] = []
        self.csp: str | None = None  # a policy to send instead of the recipe's

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _NginxHandler(http.server.BaseHTTPRequestHandler):
    server: _EmulatedNginx

    def do_GET(self) -> None:
        self.answer(with_body=True)

    def do_HEAD(self) -> None:
        self.answer(with_body=False)

    def answer(self, with_body: bool) -> None:
        path = urllib.parse.urlsplit(self.path).path
        self.server.requests.append(path)
        response = self.server.site.respond(urllib.parse.unquote(path))
        self.send_response(response.status)
        for name, value in response.headers:
            if name == "Content-Security-Policy" and self.server.csp is not None:
                value = self.server.csp
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Published:
    url: str  # of the sub-path, ending in /
    output: Path
    server: _EmulatedNginx


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The example site built for http://127.0.0.1:PORT/sub/path/ into www/sub/path/, served from www/ as
    nginx.conf says (with `root www;` and `error_page 404 /sub/path/404.html;`, as the docs say for a
    sub-path)."""
    tmp = tmp_path_factory.mktemp("published")
    root = example_repository(tmp)
    www = tmp / "www"
    site = nginx_server(www)
    site.error_pages = {code: PREFIX + uri.lstrip("/") for code, uri in site.error_pages.items()}
    server = _EmulatedNginx(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = server.url + PREFIX
    output = www / PREFIX.strip("/")
    result = run_build_py("--site", str(root), "--base-url", url, "--output", str(output), "--quiet", cwd=tmp)
    assert result.code == 0, result.err  # warnings: the recorded CAP messages name the real base_url
    try:
        yield Published(url, output, server)
    finally:
        server.shutdown()
        server.server_close()


WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""
LINKS = """() => [
  ...[...document.querySelectorAll("a[href], link[href]")].map((el) => el.href),
  ...[...document.querySelectorAll("script[src], img[src]")].map((el) => el.src),
  ...[...document.querySelectorAll("form[action]")].map((el) => el.action),
  ...[...document.querySelectorAll("[data-index], [data-root]")].flatMap((el) =>
    [el.dataset.index, el.dataset.root].filter(Boolean).map((value) => new URL(value, document.baseURI).href)),
]"""
COLOURED = """() => [...document.querySelectorAll("[style]")].map((el) =>
  [el.getAttribute("style"), getComputedStyle(el).backgroundColor])"""
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to", "Trusted Type", "Permissions-Policy")


@dataclass
class Watched:
    """A page whose CSP violations, console messages, script errors, requests and failed responses are kept."""

    page: Any
    origin: str
    violations: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Any, origin: str) -> Watched:
        context = browser.new_context()
        page = context.new_page()
        watched = cls(page, origin)
        page.expose_function("__violation", lambda text: watched.violations.append(text))
        page.add_init_script(WATCH)
        page.on("console", lambda message: watched.console.append(f"{message.type}: {message.text}"))
        # The browser's own messages (CSP refusals, header errors) reach the console through the Log domain.
        log = context.new_cdp_session(page)
        log.on(
            "Log.entryAdded",
            lambda event: watched.console.append(f"{event['entry']['level']}: {event['entry']['text']}"),
        )
        log.send("Log.enable")
        page.on("pageerror", lambda error: watched.errors.append(str(error)))
        page.on("request", lambda request: watched.requests.append(request.url))
        page.on("requestfailed", lambda request: watched.failures.append(f"{request.url}: {request.failure}"))
        page.on("response", lambda r: r.status >= 400 and watched.failures.append(f"{r.url}: {r.status}"))
        return watched

    def visit(self, url: str, status: int = 200) -> Any:
        response = self.page.goto(url, wait_until="networkidle")
        assert response.status == status, url
        return response

    def problems(self, expected_failures: tuple[str, ...] = ()) -> list[str]:
        found = [f"CSP violation: {v}" for v in self.violations]
        found += [f"console: {m}" for m in self.console if any(word in m for word in CSP_WORDS)]
        found += [f"console: {m}" for m in self.console if m.startswith("error: ") and "status of 404" not in m]
        found += [f"script error: {e}" for e in self.errors]
        found += [f"failed: {f}" for f in self.failures if not f.startswith(expected_failures)]
        outside = [u for u in self.requests if not u.startswith(self.origin + PREFIX)]
        found += [f"request outside {PREFIX}: {u}" for u in outside]
        return found


def rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def check_colours(page: Any) -> int:
    """Each style attribute (the level colours) took effect: the CSP let it through."""
    coloured = page.evaluate(COLOURED)
    for style, background in coloured:
        level = re.search(r"--level:\s*(#[0-9a-fA-F]{6})", style)
        assert level and background == rgb(level.group(1)), (style, background)
    return len(coloured)


def check_links(page: Any, published: Published, checked: dict[str, int]) -> None:
    """Every same-origin link and asset of the page is under the sub-path and answers 200."""
    for link in page.evaluate(LINKS):
        parts = urllib.parse.urlsplit(link)
        if f"{parts.scheme}://{parts.netloc}" != published.server.url:
            assert parts.scheme in ("http", "https", "mailto", "tel"), link
            continue
        assert parts.path.startswith(PREFIX), f"{page.url}: {link} is outside {PREFIX}"
        if parts.fragment and link.split("#")[0] == page.url.split("#")[0]:
            continue  # a place on this page (the skip link, also on the 404 page)
        if parts.path not in checked:
            try:
                with urllib.request.urlopen(published.server.url + parts.path) as answer:
                    checked[parts.path] = answer.status
            except urllib.error.HTTPError as error:
                checked[parts.path] = error.code
        assert checked[parts.path] == 200, f"{page.url}: {link} answers {checked[parts.path]}"


KEY_PAGES = [
    ("", "h1"),
    ("briefings/reading-station-suspicious-item/", "figure.area-map svg"),
    ("deployments/", "figure.chart svg"),
    ("archive/", "h1"),
    ("archive/2016/08/", "h1"),
    ("threat-level/", ".level-badge"),
    ("search/", "#q"),
]


@pytest.mark.slow
def test_key_pages_meet_the_nginx_policy_under_a_sub_path(browser, published: Published) -> None:  # type: ignore[no-untyped-def]
    published.server.requests.clear()
    watched = Watched.open(browser, published.server.url)
    page = watched.page
    checked: dict[str, int] = {}
    coloured = 0
    for path, selector in KEY_PAGES:
        response = watched.visit(published.url + path)
        assert response.headers["content-security-policy"] == nginx_csp()
        assert page.locator(selector).first.is_visible(), (path, selector)
        coloured += check_colours(page)
        check_links(page, published, checked)
    assert coloured > 10  # the banner on each page, the badges of /threat-level/

    # Search: the index and the results come from under the sub-path too.
    page.fill("#q", "sadiq")
    page.wait_for_selector("#search-results li a")
    check_links(page, published, checked)
    page.locator("#search-results li a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(published.url + "briefings/") and page.locator("h1").inner_text()

    # The 404 page, from a folder that does not exist: its links are absolute, under the sub-path.
    missing = published.url + "no/such/page/"
    watched.visit(missing, status=404)
    assert page.locator("h1").inner_text() == "Page not found"
    assert check_colours(page) == 1  # the banner: the stylesheet and its colour loaded
    check_links(page, published, checked)

    assert watched.problems(expected_failures=(missing,)) == []
    # Chromium asks the host's root for /favicon.ico by itself, since the theme names no icon; every
    # other request, the pages' own, stays under the sub-path.
    outside = [p for p in published.server.requests if not p.startswith(PREFIX)]
    assert set(outside) <= {"/favicon.ico"}, f"requests outside {PREFIX}: {outside}"
    watched.page.context.close()


@pytest.mark.slow
def test_a_violation_would_be_seen(browser, published: Published) -> None:  # type: ignore[no-untyped-def]
    """The checks above are not blind: without the style attribute allowance the banner's style is refused."""
    published.server.csp = nginx_csp().replace("style-src-attr 'unsafe-inline'; ", "")
    try:
        watched = Watched.open(browser, published.server.url)
        watched.visit(published.url)
        problems = watched.problems()
        assert any("CSP violation: style-src-attr" in p for p in problems), problems
        refused = [p for p in problems if p.startswith("console:") and "inline style" in p]
        assert refused and all("Content Security Policy" in p for p in refused), problems
        watched.page.context.close()
    finally:
        published.server.csp = None


@pytest.mark.slow
def test_the_hashed_style_policy_of_the_docs_works(browser, published: Published) -> None:  # type: ignore[no-untyped-def]
    """docs/recipes/style-hashes.py prints a style-src-attr without 'unsafe-inline' that the site meets."""
    result = subprocess.run(
        [sys.executable, str(RECIPES / "style-hashes.py"), str(published.output)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    directive = result.stdout.strip()
    assert directive.startswith("style-src-attr 'unsafe-hashes' 'sha256-") and "unsafe-inline" not in directive
    published.server.csp = nginx_csp().replace("style-src-attr 'unsafe-inline'", directive)
    try:
        watched = Watched.open(browser, published.server.url)
        coloured = 0
        for path in ("", "threat-level/", "briefings/reading-station-suspicious-item/"):
            watched.visit(published.url + path)
            coloured += check_colours(watched.page)
        assert coloured > 5 and watched.problems() == []
        watched.page.context.close()
    finally:
        published.server.csp = None


# The same with nginx itself, when it is installed ----------------------------------------------------------------


def nginx_test_config(tmp: Path, www: Path, port: int) -> str:
    """nginx.conf's HTTPS server block on a loopback port without TLS, in a main configuration of its own."""
    text = (RECIPES / "nginx.conf").read_text(encoding="utf-8")
    start = text.index("server {")
    depth, end = 0, start
    for end in range(start, len(text)):  # the block ends at its matching brace (none in comments or strings)
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0 and text[end] == "}":
            break
    block = text[start : end + 1]
    edits = [
        (r"^\s*listen 443 ssl;.*$", f"    listen 127.0.0.1:{port};"),
        (r"^\s*listen \[::\]:443 ssl;.*$", ""),
        (r"^\s*http2 on;.*$", ""),
        (r"^\s*ssl_certificate(_key)? .*$", ""),
        (r"^\s*root /srv/briefings/public;.*$", f"    root {www};"),
        (r"^\s*error_page 404 /404\.html;.*$", f"    error_page 404 {PREFIX}404.html;"),
    ]
    for pattern, replacement in edits:
        block, count = re.subn(pattern, replacement, block, flags=re.M)
        assert count >= 1, f"nginx.conf no longer has {pattern}"
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").is_file() else ""
    temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        # One process, as this user: workers that switched to nobody could not read the temporary folders.
        f"daemon off;\nmaster_process off;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n{mime}\naccess_log {tmp / 'access.log'};\n{temp}\n{block}\n}}\n"
    )


@pytest.mark.slow
def test_nginx_itself_serves_the_recipe(browser, published: Published, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    nginx = shutil.which("nginx")
    if not nginx:
        pytest.skip("nginx is not installed; the recipe was checked with an emulation of its rules only")
    port = free_port()
    config = tmp_path / "nginx.conf"
    config.write_text(nginx_test_config(tmp_path, published.output.parent.parent, port), encoding="utf-8")
    command = [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    # The site was built for the emulating server's port: serve it on nginx's port through the same paths.
    origin = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def answering() -> bool:
            try:
                urllib.request.urlopen(origin + PREFIX, timeout=1).close()
                return True
            except OSError:
                return False

        assert wait_until(answering, timeout=10), "nginx did not start"
        with urllib.request.urlopen(origin + PREFIX + "alerts.xml") as answer:
            assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
            assert answer.headers["Content-Security-Policy"] == nginx_csp()
        with urllib.request.urlopen(origin + PREFIX + "briefings/reading-station-suspicious-item/cap/0.xml") as answer:
            assert answer.headers["Content-Type"] == "application/cap+xml; charset=utf-8"
            assert answer.headers["Cache-Control"] == "max-age=86400"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(origin + PREFIX + "no/such/page/")
        assert missing.value.code == 404 and missing.value.headers["Content-Security-Policy"] == nginx_csp()
        assert b"<h1" in missing.value.read()
        with pytest.raises(urllib.error.HTTPError) as hidden:
            urllib.request.urlopen(origin + PREFIX + ".bulletin-output")
        assert hidden.value.code == 404

        watched = Watched.open(browser, origin)
        for path in ("", "threat-level/", "search/"):
            watched.visit(origin + PREFIX + path)
            check_colours(watched.page)
        watched.page.fill("#q", "sadiq")
        watched.page.wait_for_selector("#search-results li a")
        assert watched.problems() == []
        watched.page.context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
