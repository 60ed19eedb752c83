"""The package's layers, read off its own imports: each layer imports only the layers below it.

sync → stores → cluster → workshop → exports → web → the command line (DESIGN.md §2). The sync
core knows no framework, no store implementation, no bus and no workshop rule; it reaches them
only through its ports (`sync/ports.py`).

A store is two interfaces: rooms use its update log (`sync.ports.UpdateLog`), the workshop its
board records (`stores/records.py`). What the stores and the bus both report, `StoreError` and
`HealthCounter`, sits in the ports below both, so the bus takes neither from `stores/`.

A room (`sync/room.py`) owns its parts, one role a file: `screening.py` (what an update passes
before it applies, and the updates that wait), `bindings.py` (whose each client id is),
`fanout.py` (what goes out once committed), `presence.py`, `loading.py` (the document built
from its log), `journal.py` (what rebuilds it), `room_state.py` and `room_options.py`. They get
what they need from the room as arguments and never import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "journeyboard"

LAYERS = ["sync", "stores", "cluster", "workshop", "exports", "web", "cli"]
"""Lowest first."""

LEAVES = {"schema", "tasks", "processes", "i18n", "collation", "__init__"}
"""Modules at the package's root that import nothing of the package: every layer may use them
(`tasks` is the owned-task facility, `Background`, below every layer; `processes` the child
interpreters that answer frames, which the export workers and the compaction proof both use;
`i18n` the catalogues and `collation` ICU's sort order, which exports and the workshop's
templates both use)."""

PLACED = {"settings": "web", "offline": "cli", "cli": "cli", "__main__": "cli"}
"""The other root modules, and the layer each belongs to."""

THIRD_PARTY_ONLY_ABOVE = {
    "starlette": "web",
    "uvicorn": "web",
    "prometheus_client": "web",
    "jinja2": "exports",
}
"""Frameworks and the lowest layer allowed to import them."""


def _layer(module: str) -> str | None:
    """The layer of a dotted module name inside the package (without the `journeyboard.`)."""
    head = module.split(".")[0]
    if head in LEAVES or head.startswith("__version"):
        return None
    return PLACED.get(head, head)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "journeyboard":
                names += [f"journeyboard.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "static" in path.parts or "shared_schema" in path.parts:
            continue
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found.append((".".join(parts), path))
    return found


def test_every_module_sits_in_a_layer() -> None:
    for module, _path in _modules():
        layer = _layer(module)
        assert layer is None or layer in LAYERS, f"{module} is in no layer of {LAYERS}"


def test_no_module_imports_upward() -> None:
    wrong: list[str] = []
    for module, path in _modules():
        own = _layer(module)
        for imported in _imports(path):
            if not imported.startswith("journeyboard.") or own is None:
                continue
            target = _layer(imported.removeprefix("journeyboard."))
            if target is not None and LAYERS.index(target) > LAYERS.index(own):
                wrong.append(f"{module} ({own}) imports {imported} ({target})")
    assert not wrong, "\n".join(wrong)


def test_leaves_import_nothing_of_the_package() -> None:
    for module, path in _modules():
        if _layer(module) is None:
            inner = [name for name in _imports(path) if name.startswith("journeyboard")]
            assert not inner, f"{module} must stay a leaf, imports {inner}"


def test_sync_core_imports_no_store_bus_workshop_or_web() -> None:
    for module, path in _modules():
        if _layer(module) != "sync":
            continue
        for imported in _imports(path):
            if imported.startswith("journeyboard."):
                assert _layer(imported.removeprefix("journeyboard.")) in (None, "sync"), (
                    f"{module} imports {imported}"
                )


WORKSHOP_NAME_PARTS = ("/session", "/private/", "/drafts")
"""How the workshop names a board's documents (`workshop.documents`)."""


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that are not docstrings, with their lines."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def test_below_the_workshop_no_module_knows_how_documents_are_named() -> None:
    """The sync core, the stores and the bus treat every document alike: what differs by name
    (which compactions drop deleted content, say) comes down from the workshop
    (`sync.ports.CompactionPolicy`), never from a name they spell themselves."""
    from journeyboard.workshop import documents

    assert set(WORKSHOP_NAME_PARTS) == {
        documents.SESSION_SUFFIX,
        documents.PRIVATE_INFIX,
        documents.DRAFTS_SUFFIX,
    }
    below = LAYERS[: LAYERS.index("workshop")]
    wrong = [
        f"{module}:{line} spells {text!r}"
        for module, path in _modules()
        if _layer(module) in below
        for line, text in _strings(path)
        if any(part in text for part in WORKSHOP_NAME_PARTS)
    ]
    assert not wrong, "\n".join(wrong)


def test_frameworks_stay_in_their_layers() -> None:
    wrong: list[str] = []
    for module, path in _modules():
        own = _layer(module)
        for imported in _imports(path):
            lowest = THIRD_PARTY_ONLY_ABOVE.get(imported.split(".")[0])
            if lowest is not None and LAYERS.index(own or "sync") < LAYERS.index(lowest):
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_every_module_says_what_it_is_for() -> None:
    for module, path in _modules():
        tree = ast.parse(path.read_text())
        doc = ast.get_docstring(tree)
        assert doc and len(doc) > 20, f"{module} has no docstring saying what it is for"


def test_no_bare_task_outside_tasks_py() -> None:
    """Every task is owned (`journeyboard.tasks.Background`): nothing else in the package calls
    `create_task` or `ensure_future` (on asyncio, a loop or a task group)."""
    bare: list[str] = []
    for module, path in _modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if module == "tasks":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            called = node.func if isinstance(node, ast.Call) else None
            name = (
                called.attr
                if isinstance(called, ast.Attribute)
                else called.id
                if isinstance(called, ast.Name)
                else None
            )
            if name in ("create_task", "ensure_future"):
                bare.append(f"{relative}:{node.lineno} calls {name}")
    assert not bare, "\n".join(bare)


def _imported_names(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from journeyboard.x import name` of a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
    ]


def test_the_bus_takes_errors_and_counters_from_the_ports_not_the_stores() -> None:
    wrong = [
        f"{module} imports {name} from {source}"
        for module, path in _modules()
        if _layer(module) == "cluster"
        for source, name in _imported_names(path)
        if source.startswith("journeyboard.stores") and name in ("StoreError", "HealthCounter")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_workshop_reaches_a_store_only_through_its_records() -> None:
    """The workshop rules use `BoardRecords` (and the log's port), never a store class."""
    wrong = [
        f"{module} imports {imported}"
        for module, path in _modules()
        if _layer(module) == "workshop"
        for imported in _imports(path)
        if imported.startswith("journeyboard.stores") and imported != "journeyboard.stores.records"
    ]
    assert not wrong, "\n".join(wrong)


ROOM_PARTS = {
    "sync.bindings",
    "sync.fanout",
    "sync.journal",
    "sync.loading",
    "sync.presence",
    "sync.room_options",
    "sync.room_state",
    "sync.screening",
}
"""The modules a `Room` is made of, besides `sync/room.py` itself."""

ROOM_LINES = 650
"""What `sync/room.py` may grow to before it is split again (issue #24: one head)."""


def test_the_rooms_parts_never_import_the_room() -> None:
    modules = dict(_modules())
    assert modules.keys() >= ROOM_PARTS, ROOM_PARTS - modules.keys()
    wrong = [
        module
        for module in sorted(ROOM_PARTS)
        if "journeyboard.sync.room" in _imports(modules[module])
    ]
    assert not wrong, f"{wrong} import journeyboard.sync.room"


def test_the_room_fits_in_one_head() -> None:
    lines = len((PACKAGE / "sync" / "room.py").read_text().splitlines())
    assert lines <= ROOM_LINES, f"sync/room.py has {lines} lines"
