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
        "## The follow-up workshop",
        "",
        "`start_follow_up` (facilitators, from a workshop that reached the action plan) keeps",
        "the current session in the session document's `history` root as a numbered entry (its",
        "phases and times, revealed votes and ratings, decisions and the plan as it stood) and",
        "goes on as session n + 1 in the chosen phase, with fresh votes and ratings",
        "(`session.number` says which). `GET /api/boards/{id}/sessions` lists the earlier",
        "sessions and the current one, read-only; the JSON export carries them as `sessions`.",
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
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
