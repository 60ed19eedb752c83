"""Websocket close codes, named; the values come from shared_schema/close_codes.json."""

from __future__ import annotations

from dataclasses import dataclass

from journeyboard import schema


@dataclass(frozen=True, slots=True)
class CloseCode:
    name: str
    code: int
    final: bool
    message: str


class _CloseCodes:
    """Attribute access to every named close code: `CLOSE.NOT_FOUND.code`."""

    def __init__(self) -> None:
        codes = schema.load("close_codes.json")["codes"]
        self._by_name = {
            name: CloseCode(name, int(entry["code"]), bool(entry["final"]), str(entry["message"]))
            for name, entry in codes.items()
        }

    def __getattr__(self, name: str) -> CloseCode:
        try:
            return self._by_name[name]
        except KeyError:
            raise AttributeError(name) from None


CLOSE = _CloseCodes()
