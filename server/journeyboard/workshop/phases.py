"""The workshop's phases, read from shared_schema/phases.json."""

from __future__ import annotations

from dataclasses import dataclass

from journeyboard import schema


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    title: str
    instructions: str
    commands: frozenset[str]


def phases() -> dict[str, Phase]:
    data = schema.load("phases.json")
    return {
        name: Phase(
            name,
            str(data["phases"][name]["title"]),
            str(data["phases"][name]["instructions"]),
            frozenset(data["phases"][name]["commands"]),
        )
        for name in data["order"]
    }


def gated_commands() -> dict[str, frozenset[str]]:
    """For each phase-gated command, the phases that enable it."""
    gated: dict[str, set[str]] = {}
    for phase in phases().values():
        for command in phase.commands:
            gated.setdefault(command, set()).add(phase.name)
    return {command: frozenset(names) for command, names in gated.items()}
