"""Render docs/WORKSHOP.md from shared_schema/phases.json and commands.json.

    python scripts/workshop_doc.py > docs/WORKSHOP.md

tests/test_docs.py fails when the committed file differs from what this prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _type(spec: dict[str, Any]) -> str:
    if "const" in spec:
        return f"`{json.dumps(spec['const'])}`"
    if "enum" in spec:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in spec["enum"])
    kind = spec.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join(kinds)
    if "minimum" in spec or "maximum" in spec:
        text += f" {spec.get('minimum', '…')}..{spec.get('maximum', '…')}"
    return text


def render() -> str:
    phases = json.loads((ROOT / "shared_schema" / "phases.json").read_text())
    commands = json.loads((ROOT / "shared_schema" / "commands.json").read_text())["$defs"]
    gated: dict[str, list[str]] = {}
    for name in phases["order"]:
        for command in phases["phases"][name]["commands"]:
            gated.setdefault(command, []).append(name)
    lines = [
        "# The workshop: phases and commands",
        "",
        "Generated from `shared_schema/phases.json` and `shared_schema/commands.json` by",
        "`python scripts/workshop_doc.py > docs/WORKSHOP.md`. Do not edit by hand.",
        "",
        "## Phases",
        "",
        "Phases gate commands and the UI, never content edits. The facilitator may move",
        "forward or back at any time; every move is kept in `session.phase_history`.",
        "",
        "| phase | title | opens | instructions shown to participants |",
        "|---|---|---|---|",
    ]
    for name in phases["order"]:
        phase = phases["phases"][name]
        opens = ", ".join(f"`{c}`" for c in phase["commands"]) or "none"
        lines.append(f"| `{name}` | {phase['title']} | {opens} | {phase['instructions']} |")
    lines += [
        "",
        "## Commands",
        "",
        "`POST /api/boards/{id}/commands` with `Authorization: Bearer <token>` and a JSON body.",
        "Commands of one board apply one at a time. The answer is 200 with",
        "`{ok, result, state, server_now_ms}`, where `state` is the session document after the",
        "command; a refusal is a 4xx with `{error: {code, message}}`.",
        "",
        "| command | who | open in | fields | what it does |",
        "|---|---|---|---|---|",
    ]
    for name, spec in commands.items():
        fields = ", ".join(
            f"`{field}`{'' if field in spec.get('required', []) else '?'}: {_type(value)}"
            for field, value in spec["properties"].items()
            if field != "type"
        )
        where = ", ".join(f"`{p}`" for p in gated.get(name, [])) or "any phase"
        who = ", ".join(spec["roles"])
        lines.append(f"| `{name}` | {who} | {where} | {fields or '—'} | {spec['description']} |")
    lines += [
        "",
        "Votes and ratings need a personal token (from `POST /api/boards/{id}/join`), because",
        "they are a person's own. `GET /api/boards/{id}/me` returns that person's votes, ratings",
        "and remaining budget. Until the facilitator reveals them, nobody else can see them: the",
        "session document's `votes` and `ratings` stay empty, and `progress` counts the voters",
        "and raters. After a reveal, the totals stay live.",
        "",
        "Ratings are summarised per solution as the means of `effort` and `impact`, `n`, the",
        "population standard deviations `effort_spread` and `impact_spread`, and a `quadrant`.",
        "On the 1-5 scales, impact >= 3 is high and effort <= 3 is low: `quick_win` (high impact,",
        "low effort), `big_bet` (high, high), `fill_in` (low impact, low effort), `money_pit`",
        "(low impact, high effort).",
        "",
        "`follow` sets `session.follow` to `{participant, name}`, the sender's participant id",
        "and name (so the sender must have joined; a link holder gets 409 `join_first`), or to",
        "`null`. Followers find the leader's presence on the content document by that id: the",
        "server stamps every presence state's `user` with `{id, name, role, color}` from the",
        "token. Removing the leader clears `session.follow`. Moving to another phase stops and",
        "clears the timer.",
        "",
        "While `lock` is on, a participant's content edit is applied and then reverted by the",
        "server. Both are stored and broadcast, so no client is ever stranded. Facilitators",
        "keep editing.",
        "",
        "## Reviewers and decisions",
        "",
        "A board has four links: facilitator, participant, viewer and **reviewer** (each",
        "rotatable with `rotate_link`). A stakeholder joins with the reviewer link, with name and",
        "department, and sees everything live like a viewer; their content edits reach nobody.",
        "The only command open to them is `decide`. The decision of record on a solution is",
        "`decide` (a facilitator who joined, or a reviewer): it opens once the workshop has",
        "reached the action plan and stays open afterwards, with or without anyone connected",
        "(reviewers often decide days later). A participant's `decide` is 403. Every decision is",
        "kept in the session document's `decisions` root (card id -> entries `{person, name,",
        "department, role, decision, comment, at_ms}`, oldest first); each person's latest",
        "stands, and several reviewers may disagree. The card's `status` is the plan's progress",
        "only (`open`, `doing`, `done`). The report's plan shows each standing decision with who",
        "and when, its summary says approved, rejected or disputed, and it lists the decisions",
        "by reviewer; the CSV, the poster and the JSON export carry them too.",
        "",
        "In the browser the facilitator copies, shows as a QR code or renews the reviewer link",
        "in the dock's links. A reviewer's join sheet asks for the name and the department; the",
        "map has no editing affordance for them, and each solution in the action plan offers",
        "Approve and Reject with an optional comment, also to a facilitator who joined. Everyone",
        "sees each standing decision there (who, department, when, comment) and whether the",
        "solution is approved, rejected or disputed (`docs/screenshots/reviewer-action-plan.png`).",
        "",
        "## Measured values at touchpoints",
        "",
        "A touchpoint carries measured values: NPS (-100..100), CSAT (0..100, unit `%`), CES",
        "(1..7), or a named KPI with its unit, each on a day, so a touchpoint has a series per",
        "metric. They are server-written records kept in every store, not content: the card's",
        "`kpi` and `nps` fields stay free notes. `set_metric` sets one value; the same",
        "touchpoint, metric and day replaces it, another day adds to the series.",
        "",
        "- `GET /api/boards/{id}/metrics` (anyone with access): `{touchpoints: {card: {metric:",
        "  {unit, points: [{date, value}]}}}, last_import}`.",
        "- `POST /api/boards/{id}/metrics` (facilitators): a raw body, `text/csv` (comma or",
        "  semicolon, decimal point or comma, ISO dates) or an xlsx workbook, at most 8 MiB,",
        "  with a header row naming `touchpoint` (a card id or the card's exact text), `metric`,",
        "  `value`, `date` and optionally `unit`. It answers `{import, accepted, refused: [{row,",
        "  reason}]}`: bad rows are refused one by one (the header is row 1), the others kept in",
        "  one commit, and nothing stored before is lost. Workbooks and large CSVs are read in a",
        "  worker process with the CPU and memory limits of imports.",
        "- `DELETE /api/boards/{id}/metrics/imports/{import}` (facilitators) undoes the board's",
        "  last import: its values go and the ones it replaced come back (409 for any other).",
        "",
        "On the board, the **heat map** (bottom left of the map) colours the touchpoints by",
        "their latest value of a chosen metric (NPS, CSAT, CES or a KPI the board has) on the",
        "cividis scale, from the lowest value on the board (dark blue) to the highest (yellow):",
        "a scale made for colour-vision deficiencies that also reads in greyscale; card text is",
        "black or white, whichever reads. A touchpoint without a value is hatched grey with a",
        '"no data" badge; the legend gives the lowest and highest value, the unit and how many',
        "touchpoints are measured. The values are read when first needed and every 30 s while",
        "the heat map is on (at once after this page sets a value or imports). A touchpoint's",
        "details show each metric's series as a small line with its latest value and its",
        "values and dates as text; facilitators and participants add a value there",
        "(`set_metric`), and facilitators import and undo in the dock's Measured values. The",
        "report (HTML and PDF) and the poster carry the same heat map and legend with the",
        "latest values written on the touchpoints; `?heat=<metric>` on the export picks the",
        "metric (the client sends the one on screen), else the first the board has (NPS, CSAT,",
        "CES, then KPIs by name). Screenshots: `docs/screenshots/heatmap.png` and",
        "`heatmap-details.png` (`JOURNEYBOARD_SCREENSHOTS=docs/screenshots pytest",
        "tests/e2e/test_browser_metrics.py`).",
        "",
        "## The follow-up workshop",
        "",
        "`start_follow_up` (facilitators, from a workshop that reached the action plan) starts",
        "a follow-up for the whole workshop: every journey keeps its current session in its",
        "session document's `history` root as a numbered entry (its",
        "phases and times, revealed votes and ratings, decisions and the plan as it stood) and",
        "goes on as session n + 1 in the chosen phase, with fresh votes and ratings",
        "(`session.number` says which). `GET /api/boards/{id}/sessions` lists the earlier",
        "sessions and the current one of a journey, read-only; the JSON export carries them as",
        "`sessions`. The report compares the last two: where each solution stood and stands.",
        "The command holds every journey's lock while it writes (the workshop's journey list,",
        "then the other journeys by id and the root journey last), so no command on another",
        "journey interleaves with it.",
        "",
        "**Inspiration cards** (kind `inspiration`, a lane of their own) hold an example from",
        "elsewhere: the card's text, and where it comes from in the content field `source`.",
        "The board shows the lane when it has inspiration cards or once a follow-up runs. A",
        "source is a link only when it is an `http` or `https` URL with a host, opened in a new",
        'tab with `rel="noopener noreferrer"`; anything else (`javascript:`, `data:`, a bare',
        "name) is shown as plain text, on the board and in every export: the report lists",
        "them in a section of their own, the poster prints the source on the card, the CSV has",
        "a `source` column (guarded against formulas), and the JSON export and import keep it",
        "as written.",
        "",
        "**Effect of the measures**: for each solution whose progress (`status`) is `done`, the",
        "action plan takes the effect the group saw, in the content field `effect` (free",
        "text). The report's comparison with the earlier session lists what moved on the",
        "matrix, what was decided, and for each solution done its effect and the measured",
        "values of its touchpoints (those of the stage its pain point sits in, or its own",
        "stage): each metric's latest value dated on or before the day the follow-up started,",
        "and its latest value since. The CSV carries `effect` too.",
        "",
        'In the browser a facilitator starts it from the dock in the action plan ("Start a',
        'follow-up workshop", the phase to start in, then a confirmation). Each solution card',
        "shows the earlier session's mean effort and impact beside the new ones, and the matrix",
        "draws an arrow from where each solution stood in the earlier session (a dashed ring) to",
        "where it stands now; the arrow's title and the point's label say the move in words",
        "(`docs/screenshots/followup-matrix.png`).",
        "",
        "## Private writing",
        "",
        "Write alone first, then read together: while `private_writing` is on (for every lane,",
        "or only the `lanes` listed), each writer's new cards, facilitators' too, go to their",
        "own **private document**, `ws://HOST/ws/{board}/private?token=T`. Only that person's",
        "personal token opens it (a link token or a viewer is refused with 4403); it speaks the",
        "y-websocket protocol like the other documents and is stored like them. A draft is a",
        "card like any other (`kind`, `stage`, `pos`, `text`); it sits in place on the writer's",
        "own map, and they edit, move and delete it as usual. A facilitator who has not added",
        "their name has no private document, so the page asks for the name before they write.",
        "",
        "Who sees what before the reveal:",
        "",
        "| who | sees |",
        "|---|---|",
        "| the writer | their own drafts, in full |",
        "| other participants, facilitators, viewers, reviewers | counts only: `drafts` in the"
        " session document (person id -> lane -> count) and `session.drafts_total`; in"
        " anonymous mode only the total |",
        "| every HTTP read and export | the counts in the session part; no draft text, author"
        " or position |",
        "",
        "Drafts stay private when the phase changes and when private writing is turned off.",
        'They leave the private document only by `reveal` with `"what": "drafts"`',
        "(everyone's, facilitator) or `publish_drafts` (the sender's own, early). Either moves",
        "the drafts into the content document as one server-origin change, with the same card",
        "ids, stages, lanes and positions, and the writer as `author` (none in anonymous mode),",
        "then empties the private documents. The move is exactly once even if the server is",
        "killed in the middle: the server notes the reveal in the board's drafts document (a",
        "document only the server reads) before it starts, marks it in the content document's",
        "`reveals` map in the same change that adds the cards, and the next reveal, publish or",
        "private socket of the board finishes whatever a kill left undone.",
        "",
        "**Anonymous mode** (`configure` with `anonymous: true`): revealed cards carry no",
        "author, so neither the board nor any export can show one; others see one total draft",
        "count instead of counts per person.",
        "",
        "**A removed person's drafts are dropped**, never revealed: `remove` empties their",
        "private document at once (its answer says how many in `dropped_drafts`) and closes",
        "their private socket with the others. Cards of theirs that were already revealed stay.",
        "",
        'What the server keeps is in docs/SECURITY.md ("Private writing").',
        "",
        *JOURNEYS,
    ]
    return "\n".join(lines)


JOURNEYS = """## Workshops and journeys

A workshop holds one or more journeys; each journey is a board of its own, with its own
content and session documents, phase, votes and ratings. The first journey is the
workshop's **root** (its id is the workshop's id); every board made before workshops existed
is the root of a workshop of one journey. A facilitator adds:

- a **persona variant** (`persona`): a sibling journey for another customer type; its parent
  is the root, and it starts with a copy of the root's stages (same ids, then its own);
- a **detailed journey** (`detail`) of one stage of the journey it is asked on: it starts with
  no stages and keeps that stage as its `stage`;
- a **to-be journey** (`to_be`) of the journey it is asked on (the as-is journey, its parent):
  a copy of its stages and cards (same ids), without votes or ratings.

A workshop holds at most 50 journeys. The relations live in the board records of the store
(SQLite, PostgreSQL, Redis), not in the documents; each journey's session document also says
where it sits (`board.workshop`, `relation`, `parent`, `stage`, `persona_profile`).

### One set of links

The facilitator, participant and viewer links of any journey open every journey of the same
workshop, with the same role; a link or personal token of one workshop opens no journey of
another (401 `unauthorized`; sockets close with `UNAUTHORIZED`). A person joins once: their
personal token and record are the workshop's, their vote budget is per journey. A journey's
`participants` lists a person from the first time they open it (over HTTP or a socket).
`rotate_link`, `remove` and `promote` act on the whole workshop: a rotation from any journey
replaces the link everywhere and closes the old link's sockets on every journey; removing or
promoting a person changes their record and their entry on every journey that lists them.
`remove`, `promote` and `start_follow_up` hold the workshop's journey list and then every
journey's lock (the other journeys by board id, the root journey last); `rotate_link` on a
journey holds its own lock and then the root's. Every command takes locks in that one
order, so two commands from two journeys never wait on each other in a circle.

### The API

All with `Authorization: Bearer <token>`; refusals are `{error: {code, message}}`.

- `POST /api/boards/{id}/journeys` (facilitator) with `{relation: "persona" | "detail" |
  "to_be", title?, persona?: a name or a persona, stage? (detail only)}` answers 201
  `{id, workshop, relation, parent, stage}`.
- `GET /api/boards/{id}/journeys` (any token of the workshop) answers `{workshop, journeys}`,
  the root first; each journey is `{id, title, relation ("root" | "persona" | "detail" |
  "to_be"), parent, stage, persona, phase, counts: {cards, pains, solutions}, emotion, stages,
  top_pains}`, where `emotion` maps a stage id to the median of its feeling cards' scores,
  `stages` lists `{id, name}` in map order and `top_pains` is at most three `{text, votes}`:
  the most-voted once the journey's votes are revealed, before that the first in map order with
  `votes: null` (a blind vote stays blind in the portfolio). Each journey's documents are read
  in a worker thread, a few journeys at a time, without opening their rooms, and the reading is
  kept until the document changes: listing an unchanged 50-journey workshop again costs a few
  milliseconds. `GET /api/boards/{id}?only=session` says how many journeys the workshop holds
  (`journeys`): a single journey's page reads this list only once its board is on screen.
- `PUT /api/boards/{id}/persona` (facilitator) with a persona answers `{persona}`.
- `POST /api/boards/{id}/persona/picture` (facilitator) with the picture's bytes (PNG, JPEG,
  WebP or GIF; 5 MB at most) answers 201 `{media_type, width, height, bytes}`.
- `GET /api/boards/{id}/persona/picture` (any token of the workshop) answers the picture
  (`image/webp`), or 404 `no_picture`.

Refusals of `POST /journeys`: 403 `forbidden` (not a facilitator), 404 `unknown_stage` (the
parent has no such stage), 409 `too_many_journeys` (a 51st journey), 400 `invalid_body` or
`stage_required` (a bad body; a detailed journey without a stage).

A **persona** is `{name?, quote?, description?, goals?: [string], frustrations?: [string],
attributes?: {age_band?, segment?, frequency?}}` (`shared_schema/http.json#/$defs/persona`;
at most 20 goals and 20 frustrations). `GET /journeys` adds `picture: true` when the journey
has one; the session document's `board.persona_picture` counts uploads, so clients fetch the
picture again when it changes. Pictures are decoded and encoded again in a worker process with
CPU and memory limits: at most 512 pixels a side, WebP, with no EXIF, XMP, ICC profile or
comment kept; a file claiming more than 40 million pixels is refused before decoding (413
`decompression_bomb`), anything that is not a picture gets 400 `not_a_picture`. The client
fetches the picture with its bearer token and shows it as an object URL: no token in a URL.

### In the browser

- **The top bar** of a journey in a workshop of several journeys shows a breadcrumb from the
  workshop to the journey (Workshop \u203a Motor claim \u203a Detailed: Contacts support) and a
  journey switcher: a menu of the portfolio and every journey under its parent. When the bar
  is full, the phase instruction shrinks to its icon first, then the breadcrumb collapses into
  the switcher (which then names the journey); the phase name, the timer, the connection state
  and the export button stay (RULINGS.md, "The top bar at 1280 px").
- **Facilitators** add a journey from the switcher (a persona variant with its persona's name,
  a detailed journey for a stage of the journey they are on, a to-be copy of it) and land on
  it, and edit the journey's persona (name, quote, description, goals and needs, frustrations,
  age band, segment, frequency of use) and upload its picture. The picture is fetched with the
  bearer token and shown as an object URL beside the title.
- **A stage with a detailed journey** carries a badge on its header's edge with that journey's
  emotion summary (the mean of its stages' medians, red below \u22121, green from +1); a click
  opens it.
- **Moving between journeys** keeps the page's link (the workshop's) in the address's fragment
  and the personal token this browser keeps: a person joins once and is the same person on
  every journey.
- **The portfolio** (`/b/{id}/portfolio`, "Workshop" in the breadcrumb) is the workshop's home:
  the persona variants' curves overlaid with the overview's on one chart (a colour per persona
  from a colour-blind-safe set of ten, then the same colours dashed and dotted, with a legend),
  each to-be journey's curve on one chart with its as-is journey's, then per journey its kind
  and place, curve, phase, counts and top pain points. It reads `GET /journeys` every 5 s while
  the page is visible; a board reads it on opening and every 30 s (and when the switcher opens).
  A fresh visit to a workshop's link (the root journey's address, no journey chosen yet in the
  tab) lands on the portfolio once the workshop has more than one journey, and its "Open" goes
  to a journey. A single journey's board, a journey's own link, a journey chosen from the
  switcher or the breadcrumb (a reload keeps it) and a follower brought along stay where they are.
- Every word of these screens is in the client's catalogues (`journeys.*`, in sv, nb, da, en).
  Screenshots: `docs/screenshots/portfolio.png`, `breadcrumb.png`, `breadcrumb-1280x720.png`,
  `journey-badge.png` (`python scripts/screenshots.py`).

### Exports of a workshop

In a workshop of several journeys, `export.json`, `export.md`, `export.html` and `export.pdf`
of any of its journeys cover the whole workshop; `?scope=journey` narrows them to the journey
asked on (CSV, SVG and the poster are always one journey's). The report starts with the
portfolio's comparison (each journey's kind, place, persona, phase, counts and emotion medians
per stage), then a chapter per journey, the root first, in the export's language (`?lang=`,
else the board's) like a single board's report. The JSON export is the root's board
export with a `workshop` member, `{journeys: [{source_board, relation, parent, stage, title,
persona, picture, export}]}`: the root first and without `export` (the file is its export),
each picture as `{media_type, data}` in base64. `POST /api/boards` with such an export as its
`import` makes a new workshop of every journey (new ids, the relations mapped onto them,
pictures decoded and encoded again) and answers its journeys' ids, the root first, as
`journeys`.

### Departures from DESIGN.md's planned journey families

- **Tokens name the workshop.** Link and personal tokens carry the root journey's id (the
  workshop's), and the link versions that a rotation bumps live on the root's record only;
  a journey's own record keeps none that count.
- **People are stored under the workshop's id**: one record per person and workshop, not per
  journey; a journey's `participants` lists who has opened it.
- **Redis migrates on read.** SQLite and PostgreSQL add the `workshop` column in a schema
  migration (every older board becomes its own root); a Redis record without `workshop`
  reads as the root of a workshop of one journey, and a board in no journeys index is listed
  as that root.
- **The persona is structured and lives in the board record** (name, quote, description,
  goals, frustrations, attributes), mirrored into the session document's `board.persona` and
  `board.persona_profile`; pictures are kept apart, in their own `pictures` table (SQLite,
  PostgreSQL) or key (Redis).
- **`stage` is refused** on a persona variant and a to-be journey (400 `invalid_body`): only
  a detailed journey has one.
- **What a detailed journey shows of its parent** is the breadcrumb (the parent's title and
  the stage) and the portfolio (its curve beside the others, its place under its parent);
  its map does not show the parent's stages or cards.
""".splitlines()


if __name__ == "__main__":
    print(render(), end="")
