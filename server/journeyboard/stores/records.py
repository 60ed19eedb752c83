"""The store's second interface: the records a board keeps outside its documents.

`BoardRecords` is what the workshop rules (`workshop/`) use of a store: the board with its
link versions, its people, and the raw votes and ratings (blind until revealed, so never in a
synced document). Rooms never see it; they reach the store only through its first interface,
the log of each document (`sync.ports.UpdateLog`). Every store implements both
(`stores.base.Store`).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol

ROLES = ("facilitator", "participant", "viewer", "reviewer")
RELATIONS = ("root", "persona", "detail", "to_be")
"""How a journey relates to its workshop: the first journey (`root`), a persona variant of
the root, a detailed journey of one stage of its parent, a to-be journey of its as-is one."""


@dataclass(slots=True)
class BoardRecord:
    id: str
    title: str
    created_at_ms: int
    link_versions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 1))
    """Of the workshop's links: only the root journey's record (the workshop's) counts."""
    workshop: str = ""
    """The workshop's id: the id of its root journey ("" reads as the board's own id, which is
    what every board made before workshops is: a workshop of one journey)."""
    relation: str = "root"
    parent: str | None = None
    stage: str | None = None
    """The parent's stage a detailed journey details."""
    persona: dict[str, Any] = field(default_factory=dict)
    """The journey's structured persona (`workshop.journeys.PERSONA_FIELDS`), {} when none."""

    language: str = "en"
    """The board's language ("sv", "nb", "da", "en"): its exports' and new stages' default.
    A board stored before boards had one reads as English."""

    def __post_init__(self) -> None:
        if not self.workshop:
            self.workshop = self.id

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "created_at_ms": self.created_at_ms,
            "link_versions": self.link_versions,
            "workshop": self.workshop,
            "relation": self.relation,
            "parent": self.parent,
            "stage": self.stage,
            "persona": self.persona,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> BoardRecord:
        versions = data.get("link_versions")
        persona = data.get("persona")
        parent, stage = data.get("parent"), data.get("stage")
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            created_at_ms=int(str(data["created_at_ms"])),
            link_versions={str(k): int(v) for k, v in versions.items()}
            if isinstance(versions, dict)
            else dict.fromkeys(ROLES, 1),
            workshop=str(data.get("workshop") or data["id"]),
            relation=str(data.get("relation") or "root"),
            parent=str(parent) if parent is not None else None,
            stage=str(stage) if stage is not None else None,
            persona=dict(persona) if isinstance(persona, dict) else {},
            language=str(data.get("language") or "en"),
        )


@dataclass(slots=True)
class PersonRecord:
    board_id: str
    id: str
    name: str
    department: str
    role: str
    joined_at_ms: int
    removed: bool = False
    color: str = ""
    device: str = ""
    """The random id of the browser the person joined from (bars it after a removal)."""

    def to_json(self) -> dict[str, object]:
        return {
            "board_id": self.board_id,
            "id": self.id,
            "name": self.name,
            "department": self.department,
            "role": self.role,
            "joined_at_ms": self.joined_at_ms,
            "removed": self.removed,
            "color": self.color,
            "device": self.device,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PersonRecord:
        return cls(
            board_id=str(data["board_id"]),
            id=str(data["id"]),
            name=str(data["name"]),
            department=str(data.get("department", "")),
            role=str(data["role"]),
            joined_at_ms=int(str(data["joined_at_ms"])),
            removed=bool(data.get("removed", False)),
            color=str(data.get("color", "")),
            device=str(data.get("device", "")),
        )


@dataclass(frozen=True, slots=True)
class Mark:
    """One person's vote or rating on a card."""

    person_id: str
    card: str
    value: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One measured value at a touchpoint: NPS, CSAT, CES or a named KPI, on a day."""

    card: str  # the touchpoint card's id
    metric: str  # "nps", "csat", "ces", or a KPI's name
    value: float
    date: str  # yyyy-mm-dd
    unit: str = ""  # a KPI's unit ("%" for CSAT, "" for NPS and CES)
    source: str = ""  # the id of the import that wrote it, "" when set by a command
    at_ms: int = 0  # when it was written

    @property
    def key(self) -> tuple[str, str, str]:
        """What a later value replaces it by: the same touchpoint, metric and day."""
        return (self.card, self.metric, self.date)

    def to_json(self) -> dict[str, object]:
        return {
            "card": self.card,
            "metric": self.metric,
            "value": self.value,
            "date": self.date,
            "unit": self.unit,
            "source": self.source,
            "at_ms": self.at_ms,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MetricValue:
        return cls(
            card=str(data["card"]),
            metric=str(data["metric"]),
            value=float(data["value"]),
            date=str(data["date"]),
            unit=str(data.get("unit", "")),
            source=str(data.get("source", "")),
            at_ms=int(data.get("at_ms", 0)),
        )


@dataclass(slots=True)
class MetricsRecord:
    """A board's measured values, and what undoing its last import needs."""

    board_id: str
    values: list[MetricValue] = field(default_factory=list)
    last_import: str = ""
    """The id of the last import, while it can still be undone ("" otherwise)."""
    replaced: list[MetricValue] = field(default_factory=list)
    """The values the last import replaced, put back when it is undone."""

    def to_json(self) -> dict[str, object]:
        return {
            "board_id": self.board_id,
            "values": [value.to_json() for value in self.values],
            "last_import": self.last_import,
            "replaced": [value.to_json() for value in self.replaced],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MetricsRecord:
        return cls(
            board_id=str(data["board_id"]),
            values=[MetricValue.from_json(v) for v in data.get("values") or []],
            last_import=str(data.get("last_import") or ""),
            replaced=[MetricValue.from_json(v) for v in data.get("replaced") or []],
        )


@dataclass(frozen=True, slots=True)
class Picture:
    """A persona picture as the server re-encoded it."""

    media_type: str
    data: bytes


class BoardRecords(Protocol):
    """Boards, people, marks (votes, ratings) and measured values; a failing call raises
    `StoreError`.

    A board is one journey of a workshop (`BoardRecord.workshop`, the id of its root journey).
    People are kept under the workshop's id: one record per person and workshop. Marks are
    kept per journey.
    """

    # boards
    @abstractmethod
    async def create_board(self, board: BoardRecord, session_name: str, seed: bytes) -> None:
        """Store a new board together with the first update of its session document, in one
        commit (StoreError when the id is taken)."""

    @abstractmethod
    async def get_board(self, board_id: str) -> BoardRecord | None: ...

    @abstractmethod
    async def save_board(self, board: BoardRecord) -> None: ...

    @abstractmethod
    async def list_journeys(self, workshop_id: str) -> list[BoardRecord]:
        """The workshop's journeys, oldest first (the root first); [] for an unknown one."""

    @abstractmethod
    async def put_picture(self, board_id: str, picture: Picture | None) -> None:
        """Store (or with None delete) the journey's persona picture."""

    @abstractmethod
    async def get_picture(self, board_id: str) -> Picture | None: ...

    # people (under the workshop's id)
    @abstractmethod
    async def save_person(self, person: PersonRecord) -> None: ...

    @abstractmethod
    async def get_person(self, board_id: str, person_id: str) -> PersonRecord | None: ...

    @abstractmethod
    async def list_people(self, board_id: str) -> list[PersonRecord]:
        """The board's people in the order they joined."""

    # raw votes and ratings (blind until revealed: never in a synced document)
    @abstractmethod
    async def put_mark(
        self, board_id: str, kind: str, person_id: str, card: str, value: dict[str, Any] | None
    ) -> None:
        """Store (or with None delete) one person's mark ("vote", "rating") on a card."""

    @abstractmethod
    async def list_marks(self, board_id: str, kind: str) -> list[Mark]:
        """Every stored mark of a kind on a board."""

    # measured values at touchpoints (server-written: the metrics import and its command)
    @abstractmethod
    async def get_metrics(self, board_id: str) -> MetricsRecord:
        """The board's measured values (an empty record when it has none)."""

    @abstractmethod
    async def save_metrics(self, metrics: MetricsRecord) -> None:
        """Replace the board's measured values in one commit (all of an import, or nothing)."""
