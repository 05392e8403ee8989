"""Write a deterministic, valid Bulletin site of N briefings (and, optionally, the same corpus for Pelican).

    python bench/generate.py OUT_DIR --briefings N [--seed S] [--pelican PELICAN_DIR]

The site passes ``python build.py check --site OUT_DIR --strict`` with no errors and no
warnings. Every briefing has 4-8 paragraphs of Markdown (with a list and a link), full
front matter (threat level consistent with ``content/threat-levels.yaml``, officers that
add up, area and region, tags, spokespeople, quotes whose text is in the body, advice,
updates, sources) and lives in ``content/briefings/<year>/``. The same seed and N always
give byte-identical files. Only the standard library is used, so any Python 3.11+ runs it.

With ``--pelican DIR`` the same briefings (same Markdown body, same slug, title, date,
summary, tags; region as category; spokespeople as authors) and pages are also written as
a Pelican project in DIR, with a ``pelicanconf.py`` using the default theme.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

FIRST_DAY = dt.date(2016, 1, 1)
DAYS = (dt.date(2025, 12, 31) - FIRST_DAY).days + 1  # ten years, all before --now 2026-01-01

LEVELS = [
    ("low", "Low", "An attack is highly unlikely.", "#2e7d32", "Minor", "Future", "Unlikely"),
    ("moderate", "Moderate", "An attack is possible but not likely.", "#0277bd", "Minor", "Future", "Possible"),
    ("substantial", "Substantial", "An attack is likely.", "#8a5100", "Moderate", "Future", "Likely"),
    ("severe", "Severe", "An attack is highly likely.", "#c62828", "Severe", "Expected", "Likely"),
    (
        "critical",
        "Critical",
        "An attack is highly likely in the near future.",
        "#6a1b9a",
        "Extreme",
        "Immediate",
        "Likely",
    ),
]

# The official timeline: (since, level, note); the first entry predates every briefing.
TIMELINE = [
    (dt.date(2014, 8, 29), "severe", "Raised from substantial after events abroad."),
    (dt.date(2017, 5, 23), "critical", "Raised after an attack; an attack may be imminent."),
    (dt.date(2017, 5, 27), "severe", "Lowered after arrests."),
    (dt.date(2019, 11, 4), "substantial", "Lowered after a review by the analysis centre."),
    (dt.date(2020, 11, 3), "severe", "Raised after attacks in Europe."),
    (dt.date(2021, 2, 8), "substantial", "Lowered after a review."),
    (dt.date(2021, 11, 15), "severe", "Raised after an incident at a hospital."),
    (dt.date(2022, 2, 9), "substantial", "Lowered after a review."),
    (dt.date(2024, 3, 4), "moderate", "Lowered: an attack is possible but not likely."),
    (dt.date(2025, 6, 2), "substantial", "Raised after a rise in reported plots."),
]

REGIONS = {
    "London": ["Westminster", "Camden", "Southwark", "Stratford", "Croydon", "Wembley"],
    "Greater Manchester": ["Manchester", "Salford", "Bolton", "Stockport"],
    "West Midlands": ["Birmingham", "Coventry", "Wolverhampton"],
    "West Yorkshire": ["Leeds", "Bradford", "Wakefield"],
    "Merseyside": ["Liverpool", "Birkenhead", "St Helens"],
    "South Yorkshire": ["Sheffield", "Doncaster", "Rotherham"],
    "Thames Valley": ["Reading", "Oxford", "Milton Keynes", "Slough"],
    "Avon and Somerset": ["Bristol", "Bath", "Taunton"],
    "Northumbria": ["Newcastle", "Sunderland", "Gateshead"],
    "Kent": ["Canterbury", "Dover", "Maidstone"],
    "Hampshire": ["Southampton", "Portsmouth", "Winchester"],
    "Sussex": ["Brighton", "Crawley", "Chichester"],
    "Essex": ["Chelmsford", "Colchester", "Southend"],
    "Nottinghamshire": ["Nottingham", "Mansfield"],
    "Leicestershire": ["Leicester", "Loughborough"],
    "Lancashire": ["Preston", "Blackpool", "Lancaster"],
    "Devon and Cornwall": ["Plymouth", "Exeter", "Truro"],
    "South Wales": ["Cardiff", "Swansea", "Newport"],
    "North Wales": ["Wrexham", "Bangor", "Llandudno"],
    "Cumbria": ["Carlisle", "Kendal", "Whitehaven"],
}

TAGS = [
    "Armed policing", "Counter-terrorism", "Public reassurance", "Threat level", "Crowded places",
    "Events", "Football", "Concerts", "Festivals", "Christmas markets", "New Year", "Marathon",
    "Transport", "Rail stations", "Airports", "Ports", "Road closures", "Bridges",
    "Suspicious items", "Evacuation", "Cordon", "Exercise", "Training", "Awareness week",
    "Run Hide Tell", "See it Say it Sorted", "Protective security", "Venue staff", "Schools",
    "Universities", "Hospitals", "Places of worship", "Shopping centres", "Night-time economy",
    "Royal visit", "State occasion", "Remembrance", "Parliament", "Elections", "Protest",
    "Community engagement", "Neighbourhood policing", "Hate crime", "Online safety",
    "Drones", "Vehicle barriers", "Stop and search", "Dogs unit", "Marine unit", "Air support",
    "Missing person", "Severe weather", "Flooding", "Power cut", "Gas leak", "Fire",
    "Correction", "Digwyddiadau Mawr", "Sécurité publique", "Recruitment",
]  # fmt: skip

FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Daniel", "Elif", "Farah", "George", "Hannah", "Imran", "Jess",
    "Kwame", "Laura", "Mohammed", "Niamh", "Owen", "Priya", "Rhys", "Sofia", "Tom", "Uma",
    "Victor", "Wen", "Yusuf", "Zoe", "Aled", "Bethan", "Callum", "Dana", "Ewan", "Fiona",
]  # fmt: skip
SURNAMES = [
    "Adeyemi", "Bell", "Carter", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morgan", "Nolan", "Okafor", "Patel", "Quinn", "Reid", "Shah", "Taylor",
    "Usman", "Vaughan", "Walsh", "Xu", "Young", "Zielinski", "Ahmed", "Brennan", "Clarke", "Doyle",
]  # fmt: skip
ROLES = [
    ("Chief Constable", "Police"),
    ("Assistant Chief Constable", "Police"),
    ("Chief Superintendent", "Police"),
    ("Superintendent", "Police"),
    ("Head of Counter Terrorism Policing", "Counter Terrorism Policing"),
    ("Police and Crime Commissioner", "Office of the Police and Crime Commissioner"),
    ("Mayor", "Combined Authority"),
    ("Council Leader", "City Council"),
    ("Head of Emergency Planning", "City Council"),
    ("Chief Fire Officer", "Fire and Rescue Service"),
]

EVENTS = [
    "the city marathon", "the Christmas market", "the summer festival", "the cup final", "the New Year celebrations",
    "the Remembrance parade", "the Pride march", "the outdoor concert series", "the food festival",
    "the half marathon", "the royal visit", "the derby match", "the fireworks display", "the carnival",
]  # fmt: skip
PLACES = [
    "the railway station", "the shopping centre", "the cathedral quarter", "the bus station", "the arena",
    "the university campus", "the waterfront", "the market square", "the airport terminal", "the stadium",
]  # fmt: skip

SENTENCES = [
    "Officers will be visible around {place} throughout the day and into the evening.",
    "The deployment is not a response to any specific intelligence about a threat to {area}.",
    "Patrols will be carried out on foot and in marked vehicles, and officers will be happy to talk to the public.",
    "Most officers on duty will not be armed; the additional armed officers are there to deter and to respond quickly.",
    "Residents and visitors should carry on with their plans as normal and allow extra time for their journeys.",
    "Organisers of {event} have worked closely with the police and the council on the security plan.",
    "Bag searches will be in place at the entrances, so visitors are asked to bring only what they need.",
    "Some roads near {place} will be closed from early morning, and local bus routes will be diverted.",
    "The national threat level is {level_label}, which means that {level_meaning_lower}",
    "Neighbourhood teams will hold drop-in sessions this week for anyone who wants to ask questions.",
    "Staff at venues across {area} have received training on how to spot and report suspicious behaviour.",
    "The operation has been planned for several months and draws on lessons from previous events.",
    "Specialist search teams and police dogs will check the area before the crowds arrive.",
    "Information from the public remains vital, and every report is taken seriously and assessed.",
    "Temporary vehicle barriers have been installed at the main pedestrian routes into the centre.",
    "A cordon was put in place while the item was examined, and it was lifted once it was found to be safe.",
    "Anyone who saw anything unusual near {place} is asked to get in touch with the police.",
    "The force thanks local businesses and residents for their patience while the work is carried out.",
    "Additional officers have been drawn from neighbouring forces under mutual aid arrangements.",
    "The council's emergency planning team will keep the public informed through its usual channels.",
    "Officers from the dogs unit and the marine unit will support the operation along the river.",
    "Traffic officers will manage the flow of vehicles and enforce the temporary parking restrictions.",
    "First aid points will be staffed by volunteers and clearly signposted across the site.",
    "The police helicopter may be seen over {area} during the day; this is routine for an event of this size.",
    "Stewards have been briefed to report anything unusual directly to the police control room.",
    "Closed-circuit television coverage has been extended to the approach roads and car parks.",
    "Extra trains will run in the evening, and the station may use queuing systems at busy times.",
    "A review after the event will look at what worked well and what could be improved.",
    "Local schools have been told about the changes and will share the information with parents.",
    "The operation will be scaled back once the crowds have left and the area has returned to normal.",
]  # fmt: skip

QUOTES = [
    "Our officers are there to keep people safe and to respond quickly if anything happens",
    "I want to reassure everyone in {area} that there is no specific threat to the city",
    "Seeing more officers on the streets should not alarm anyone; they are there to protect you",
    "We have planned this operation carefully with our partners and we are ready",
    "The public are our eyes and ears, and we rely on them to tell us when something does not look right",
    "Please enjoy {event} and let our officers know if anything concerns you",
    "We will not let those who want to divide us change the way we live our lives",
    "Every report matters, and we would rather be called and find nothing than not be called at all",
    "Our thanks go to the staff and volunteers who have worked so hard to make this event safe",
    "We are learning the lessons from recent events and adjusting our plans accordingly",
    "This is a precaution, and people should carry on with their day as normal",
    "Working together, the police, the council and the public make {area} a safer place",
]  # fmt: skip

LIST_ITEMS = [
    "Stay alert, but not alarmed.",
    "Report anything suspicious to a steward or an officer.",
    "In an emergency, always call **999**.",
    "Allow extra time for your journey and check for travel updates.",
    "Keep your belongings with you at all times.",
    "Follow the instructions of stewards and police officers.",
    "Agree a meeting point with friends and family in case you are separated.",
    "Do not share rumours online; check official channels for information.",
    "If you are caught up in an incident: **Run, Hide, Tell**.",
    "Bring only small bags; large bags may be refused at the entrance.",
]

TITLES = [
    "{added} more officers to patrol {area}",
    "Security plan for {event} in {area}",
    "Extra patrols around {place} in {area}",
    "Suspicious item near {place} in {area} found to be safe",
    "Road closures and patrols for {event}",
    "Awareness week for businesses in {area}",
    "Threat level update: {level_label}",
    "Armed officers at {place} in {area}",
    "Training exercise at {place} in {area}",
    "Appeal for information after incident at {place}, {area}",
]

UPDATE_NOTES = [
    "Added details of road closures.",
    "Corrected the number of officers deployed.",
    "Added the anti-terrorism hotline number to the advice section.",
    "Clarified that the deployment is not a response to specific intelligence.",
    "Updated travel advice after the event.",
    "Added a link to the council's guidance.",
]

ADVICE = [
    "- **Stay alert, not alarmed.** Seeing officers does not mean something has happened.\n"
    "- **Report anything suspicious.** In an emergency call **999**; otherwise call 101.\n",
    "If you are caught up in an attack: **Run, Hide, Tell**. Move away from danger, find cover, "
    "and call **999** when it is safe to do so.\n",
    "Allow extra time for journeys around {area} and follow the directions of stewards and officers.\n",
    "Report anything that does not look right to a member of staff or an officer, or call the "
    "anti-terrorism hotline on **0800 789 321**.\n",
]

PAGES = [
    (
        "about",
        "About this site",
        3,
        "This is a **generated** site used to benchmark Bulletin. Its briefings are fictional.",
    ),
    (
        "advice",
        "Advice to the public",
        1,
        "- **Run** to a place of safety.\n- **Hide** if you cannot run.\n- **Tell** the police by calling **999**.",
    ),
    (
        "contact",
        "Contact the press office",
        2,
        "Journalists can reach the press office by e-mail at [press@example.org](mailto:press@example.org).",
    ),
    ("accessibility", "Accessibility", None, "We aim to meet WCAG 2.2 AA. Tell us about any problem you find."),
]


@dataclass
class Person:
    id: str
    name: str
    role: str
    organisation: str


@dataclass
class Briefing:
    index: int
    year: int
    stem: str
    slug: str
    title: str
    date: dt.datetime
    summary: str
    level: str | None
    front: list[str] = field(default_factory=list)  # Bulletin front matter lines
    body: str = ""
    region: str = ""
    tags: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def level_on(day: dt.date) -> str:
    current = TIMELINE[0][1]
    for since, level, _note in TIMELINE:
        if since <= day:
            current = level
    return current


def make_people(rng: random.Random, count: int = 30) -> list[Person]:
    people: list[Person] = []
    seen: set[str] = set()
    regions = list(REGIONS)
    while len(people) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        pid = slugify(name)
        if pid in seen:
            continue
        seen.add(pid)
        role, org = rng.choice(ROLES)
        region = rng.choice(regions)
        people.append(Person(pid, name, role, f"{region} {org}"))
    return people


def make_briefing(rng: random.Random, index: int, people: list[Person]) -> Briefing:
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    date = dt.datetime(day.year, day.month, day.day, rng.randrange(6, 22), rng.choice((0, 15, 30, 45)))
    region = rng.choice(list(REGIONS))
    area = rng.choice(REGIONS[region])
    level_id = level_on(day) if rng.random() < 0.9 else None
    level = next(level for level in LEVELS if level[0] == (level_id or level_on(day)))
    previous = rng.randrange(0, 3000, 10)
    added = rng.randrange(10, 800, 10)
    values = {
        "area": area,
        "event": rng.choice(EVENTS),
        "place": rng.choice(PLACES),
        "added": added,
        "level_label": level[1].lower(),
        "level_meaning_lower": level[2][0].lower() + level[2][1:],
    }
    title = rng.choice(TITLES).format(**values)
    title = title[0].upper() + title[1:]
    slug = f"{slugify(title)}-{index}"
    stem = f"{day.isoformat()}-{slug}"

    speakers = rng.sample(people, rng.randint(1, 3))
    quotes = [(speakers[i % len(speakers)], rng.choice(QUOTES).format(**values)) for i in range(rng.randint(1, 2))]
    tags = rng.sample(TAGS, rng.randint(1, 5))

    # Body: 4-8 paragraphs; one is a list, one carries the link, one or two carry the quotes.
    n_paragraphs = rng.randint(4, 8)
    deck: list[str] = []
    prose = []
    for _ in range(n_paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            if not deck:  # deal every sentence once before any repeats
                deck = rng.sample(SENTENCES, len(SENTENCES))
            sentences.append(deck.pop().format(**values))
        prose.append(" ".join(sentences))
    link = f"[the {region} guidance](https://example.org/{slugify(region)}/guidance/{index})"
    prose[1] += f" More detail is in {link}."
    for n, (person, text) in enumerate(quotes):
        said = f'{person.name}, {person.role}, said: "{text}."'
        prose[min(2 + n, n_paragraphs - 1)] += " " + said
    items = "\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, rng.randint(3, 5)))
    where = rng.randint(2, n_paragraphs - 1)
    blocks = [*prose[:where], "What you can do:\n\n" + items, *prose[where:]]
    body = "\n\n".join(_wrap(block) if not block.startswith("What") else block for block in blocks) + "\n"

    summary = prose[0].split(". ")[0].rstrip(".") + "."
    b = Briefing(index, day.year, stem, slug, title, date, summary, level_id, body=body)
    b.region, b.tags, b.people = region, tags, speakers

    lines = [f"title: {q(title)}", f"date: {date.isoformat()}", f"summary: {q(summary)}"]
    if level_id:
        lines.append(f"threat_level: {level_id}")
    if rng.random() < 0.7:
        lines += ["officers:", f"  added: {added}", f"  total: {previous + added}"]
        if rng.random() < 0.8:
            lines.append(f"  previous: {previous}")
        lines.append(f"  armed: {'true' if rng.random() < 0.6 else 'false'}")
    lines += [f"area: {q(area)}", f"region: {q(region)}", "tags:"]
    lines += [f"  - {q(tag)}" for tag in tags]
    lines.append("spokespeople:")
    lines += [f"  - {p.id}" for p in speakers]
    lines.append("quotes:")
    for person, text in quotes:
        lines += [f"  - by: {person.id}", f"    text: {q(text)}"]
    advice = rng.choice(ADVICE).format(**values)
    lines.append("advice: |")
    lines += [f"  {line}" for line in advice.rstrip("\n").split("\n")]
    n_updates = rng.choice((0, 0, 1, 1, 2, 3))
    if n_updates:
        lines.append("updates:")
        at = date
        for _ in range(n_updates):
            at += dt.timedelta(hours=rng.randint(1, 72), minutes=rng.choice((0, 15, 30, 45)))
            if at.hour == 1:  # 01:xx local is missing or doubled on clock-change nights; editors avoid it
                at += dt.timedelta(hours=1)
            lines += [f"  - date: {at.isoformat()}", f"    note: {q(rng.choice(UPDATE_NOTES))}"]
    lines.append("sources:")
    for n in range(rng.randint(1, 2)):
        lines += [f"  - title: {q(f'{area} news report {n + 1}')}", f"    url: https://example.org/news/{stem}/{n + 1}"]
    roll = rng.random()
    if roll < 0.25:
        lines.append("alert: false")
    elif roll < 0.35:
        lines += ["alert:", f"  response: {rng.choice(('Monitor', 'Prepare', 'Avoid'))}"]
        lines[lines.index(f"area: {q(area)}")] = f"area: {slugify(area)}"
    b.front = lines
    return b


def _wrap(text: str, width: int = 78) -> str:
    """Hard-wrap a paragraph like an editor would (Markdown joins the lines again)."""
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


def make_corpus(n: int, seed: int) -> tuple[list[Person], list[Briefing]]:
    rng = random.Random(seed)
    people = make_people(rng)
    briefings = [make_briefing(rng, i, people) for i in range(n)]
    return people, briefings


def write_bulletin(out: Path, people: list[Person], briefings: list[Briefing], seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    levels = []
    for lid, label, meaning, colour, severity, urgency, certainty in LEVELS:
        levels += [
            f"  - id: {lid}",
            f"    label: {label}",
            f"    meaning: {q(meaning)}",
            f'    colour: "{colour}"',
            f"    cap: {{severity: {severity}, urgency: {urgency}, certainty: {certainty}}}",
        ]
    site = [
        f"# Generated by bench/generate.py --briefings {len(briefings)} --seed {seed}",
        'title: "Benchmark Briefings"',
        'description: "A generated site for Bulletin\'s build-time benchmark."',
        'base_url: "https://bench.example.org/"',
        "language: en-GB",
        "timezone: Europe/London",
        "per_page: 10",
        "feed_size: 20",
        "organisation:",
        '  name: "Benchmark Press Office"',
        '  url: "https://bench.example.org/"',
        '  cap_sender: "press@bench.example.org"',
        '  contact: "In an emergency call 999."',
        "threat_levels:",
        *levels,
        "menu:",
        "  - title: Briefings",
        "    url: /briefings/",
        "  - title: Threat level",
        "    url: /threat-level/",
    ]
    _write(out / "site.yaml", "\n".join(site) + "\n")
    content = out / "content"
    timeline = []
    for since, level, note in TIMELINE:
        timeline += [f"- level: {level}", f"  since: {since.isoformat()}", f"  note: {q(note)}"]
    _write(content / "threat-levels.yaml", "\n".join(timeline) + "\n")
    # Every town as a gazetteer area, so alerting briefings carry CAP geometry as real ones do.
    places = []
    for number, town in enumerate(t for towns in REGIONS.values() for t in towns):
        lat, lon = 50.5 + (number * 0.37) % 4.5, -3.5 + (number * 0.61) % 4.0
        places += [
            f"- id: {slugify(town)}",
            f"  name: {q(town)}",
            f"  circle: {{lat: {lat:.4f}, lon: {lon:.4f}, radius_km: 3}}",
        ]
    _write(content / "areas.yaml", "\n".join(places) + "\n")
    for p in people:
        bio = f"{p.name} is the {p.role} of {p.organisation}.\n\nQuoted in briefings about **public safety**."
        text = f"name: {q(p.name)}\nrole: {q(p.role)}\norganisation: {q(p.organisation)}\nbio: |\n"
        text += "".join(f"  {line}\n" if line else "\n" for line in bio.split("\n"))
        _write(content / "people" / f"{p.id}.yaml", text)
    for slug, title, menu, body in PAGES:
        front = [f"title: {q(title)}", f"slug: {slug}"] + ([f"menu: {menu}"] if menu else [])
        _write(content / "pages" / f"{slug}.md", "---\n" + "\n".join(front) + "\n---\n\n" + body + "\n")
    for b in briefings:
        text = "---\n" + "\n".join(b.front) + "\n---\n\n" + b.body
        _write(content / "briefings" / str(b.year) / f"{b.stem}.md", text)


def write_pelican(out: Path, briefings: list[Briefing]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    conf = '''"""Pelican settings for the benchmark corpus (generated by bench/generate.py)."""

AUTHOR = "Benchmark Press Office"
SITENAME = "Benchmark Briefings"
SITEURL = ""
PATH = "content"
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10  # as Bulletin's per_page
RELATIVE_URLS = True
DELETE_OUTPUT_DIRECTORY = False
# The HTML site only: no feeds. The default theme (notmyidea).
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
LOAD_CONTENT_CACHE = False
'''
    _write(out / "pelicanconf.py", conf)
    content = out / "content"
    for slug, title, _menu, body in PAGES:
        _write(content / "pages" / f"{slug}.md", f"Title: {title}\nSlug: {slug}\n\n{body}\n")
    for b in briefings:
        meta = [
            f"Title: {b.title}",
            f"Date: {b.date:%Y-%m-%d %H:%M}",
            f"Slug: {b.slug}",
            f"Category: {b.region}",
            f"Tags: {', '.join(b.tags)}",
            f"Authors: {', '.join(p.name for p in b.people)}",
            f"Summary: {b.summary}",
        ]
        _write(content / "briefings" / str(b.year) / f"{b.stem}.md", "\n".join(meta) + "\n\n" + b.body)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def generate(out: Path, n: int, seed: int = 1, pelican: Path | None = None) -> None:
    """Write the Bulletin site into ``out`` (replacing it) and, if given, the Pelican project."""
    people, briefings = make_corpus(n, seed)
    for folder in (out, pelican):
        if folder is not None and folder.exists():
            shutil.rmtree(folder)
    write_bulletin(out, people, briefings, seed)
    if pelican is not None:
        write_pelican(pelican, briefings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="the Bulletin site folder to write (replaced if it exists)")
    parser.add_argument("--briefings", type=int, required=True, metavar="N", help="number of briefings")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--pelican", type=Path, metavar="DIR", help="also write the corpus as a Pelican project")
    args = parser.parse_args(argv)
    if args.briefings < 1:
        parser.error("--briefings must be at least 1")
    generate(args.out, args.briefings, args.seed, args.pelican)
    print(f"wrote {args.briefings} briefings to {args.out}" + (f" and {args.pelican}" if args.pelican else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
