"""The `journeyboard` command: `journeyboard serve [options]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import re
import secrets
import signal
import socket
import stat
import sys
from collections.abc import Generator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from journeyboard import __version__
from journeyboard.settings import Settings, default_store_url
from journeyboard.stores import StoreError, open_store, sqlite_path
from journeyboard.sync.limits import OFF_AT_ZERO, Limits

log = logging.getLogger("journeyboard")

METRICS_TOKEN_ENV = "JOURNEYBOARD_METRICS_TOKEN"


class RedactTokens(logging.Filter):
    """Remove token values from log lines (uvicorn logs websocket request URLs)."""

    _pattern = re.compile(r"(token=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg = self._pattern.sub(r"\1[redacted]", message)
            record.args = None
        return True


class Server(uvicorn.Server):
    """uvicorn's server, but a SIGTERM or SIGINT ends with exit code 0 after a clean shutdown.

    (uvicorn re-raises the captured signal after shutting down, which makes the exit code -15.)
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self.handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        freeze_startup_heap()


def freeze_startup_heap() -> None:
    """Leave what the node holds once it has started out of every later garbage collection.

    The modules, the app and the services are some 56,000 objects that live as long as the
    process. The collector's oldest generation walks all of them each time it runs, which
    pauses the event loop: 24-29 ms with 24 workshops (600 sockets) open, against 4.5-4.6 ms
    once they are frozen (benchmarks/stalls, docs/BENCHMARKS.md "ninth pass"). It runs once,
    before the first client, after one collection of what starting left behind.
    """
    gc.collect()
    gc.freeze()


_CONTROLS: dict[int, str] = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))
}
_CONTROLS.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_CONTROLS.update({0x2028: "\\u2028", 0x2029: "\\u2029"})  # line and paragraph separators


def escape_controls(text: str) -> str:
    """Text with every control character written as an escape (CR as \\r, ESC as \\x1b)."""
    return text.translate(_CONTROLS)


class OneLineFormatter(logging.Formatter):
    """One record, one line: control characters in the message (a request path, a name, an
    error text: anything a client chose) are escaped, so nobody can forge a log line or send
    terminal escapes. A traceback's lines follow indented, each escaped the same way, so none
    of them can pass for a record of its own."""

    def format(self, record: logging.LogRecord) -> str:
        msg, args = record.msg, record.args
        record.msg, record.args = escape_controls(record.getMessage()), None
        try:
            text = super().format(record)
        finally:
            record.msg, record.args = msg, args
        first, _, rest = text.partition("\n")
        if not rest:
            return first
        return "\n".join([first, *("    " + escape_controls(line) for line in rest.split("\n"))])


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    redact = RedactTokens()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
        handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).addFilter(redact)


def default(setting: str) -> Any:
    """A setting's default, as `Settings` states it (the one place defaults are written)."""
    return next(f.default for f in dataclasses.fields(Settings) if f.name == setting)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journeyboard", description="Real-time Customer Journey Mapping workshop board."
    )
    parser.add_argument("--version", action="version", version=f"journeyboard {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the board server")
    host, port = default("host"), default("port")
    serve.add_argument("--host", default=host, help=f"address to listen on ({host})")
    serve.add_argument("--port", type=int, default=port, help=f"port to listen on ({port})")
    serve.add_argument(
        "--store",
        default=None,
        help="store URL: sqlite:///path/file.db (default: data/journeyboard.db, "
        "or $JOURNEYBOARD_DATA_DIR/journeyboard.db), postgresql://user@host:5432/db (shared "
        "by several nodes, with --bus), or redis://host:6379/0 (Redis alone)",
    )
    serve.add_argument(
        "--bus",
        default=None,
        help="where several nodes on one shared store tell each other about updates and "
        "presence: redis://host:6379/0 (with --store postgresql://…); none for one node or "
        "for --store redis://… (its streams are the bus)",
    )
    serve.add_argument(
        "--public-url", default=None, help="the URL people open, used in links (default: request's)"
    )
    serve.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another browser origin allowed to open sockets (repeatable)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="IP",
        help="a reverse proxy whose X-Forwarded-For/-Proto headers are believed (repeatable)",
    )
    grace, keepalive = default("grace_seconds"), default("keepalive_seconds")
    serve.add_argument(
        "--grace",
        type=float,
        default=grace,
        help=f"seconds an empty document stays loaded ({grace:g})",
    )
    serve.add_argument(
        "--keepalive",
        type=float,
        default=keepalive,
        help=f"seconds of silence after which a socket gets a keepalive message ({keepalive:g})",
    )
    serve.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a limit (repeatable); names and defaults: "
        + ", ".join(f"{f.name}={f.default}" for f in dataclasses.fields(Limits)),
    )
    serve.add_argument(
        "--metrics-token",
        default=os.environ.get(METRICS_TOKEN_ENV),
        metavar="TOKEN",
        help="serve /metrics only with 'Authorization: Bearer TOKEN' "
        f"(default: ${METRICS_TOKEN_ENV}; unset: /metrics is open to anyone who can reach it)",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    export = commands.add_parser(
        "export", help="export a board straight from the store (the server may be stopped)"
    )
    export.add_argument("board_id")
    export.add_argument(
        "--format",
        required=True,
        help="json, csv, md, html, pdf (the report on A4), svg or poster-pdf (the wall poster)",
    )
    export.add_argument("--out", help="file to write (default: standard output)")
    export.add_argument("--store", default=None, help="store URL (default: as for serve)")
    export.add_argument(
        "--dialect", default="excel", choices=["excel", "nordic"], help="CSV dialect"
    )
    export.add_argument("--sheet", default="A0", help="poster sheet size: A0 or A1")
    export.add_argument(
        "--tile",
        help="tile the poster over A3 or A4 pages (svg writes OUT-1.svg, …; poster-pdf one PDF)",
    )
    export.add_argument(
        "--lang",
        default=None,
        choices=["sv", "nb", "da", "en", "no", "nn"],
        help="the export's language (no and nn: nb; default: the board's language)",
    )
    return parser


def parse_limits(pairs: list[str]) -> Limits:
    """Build Limits from NAME=VALUE overrides; exit with a clear message on a bad one."""
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    overrides: dict[str, float | int] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"journeyboard: unknown limit {name!r}; known: {', '.join(fields)}")
        try:
            number = float(value) if fields[name].type == "float" else int(value)
        except ValueError:
            raise SystemExit(f"journeyboard: limit {name} needs a number, not {value!r}") from None
        if number < 0 or (number == 0 and name not in OFF_AT_ZERO):
            raise SystemExit(f"journeyboard: limit {name} must be positive")
        overrides[name] = number
    return Limits(**overrides)  # type: ignore[arg-type]


def serve(args: argparse.Namespace) -> None:
    configure_logging(args.log_level)
    store_url = args.store or default_store_url()
    settings = Settings(
        store_url=store_url,
        secret=resolve_secret(store_url),
        bus_url=args.bus,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        allowed_origins=tuple(args.allowed_origin),
        grace_seconds=args.grace,
        keepalive_seconds=args.keepalive,
        limits=parse_limits(args.limit),
        metrics_token=args.metrics_token or None,
    )
    from journeyboard.web.app import create_app
    from journeyboard.web.http_protocol import guarded_protocol
    from journeyboard.web.lean_socket import lean_protocol

    try:
        app = create_app(settings)
        asyncio.run(reachable(settings.store_url))
    except (ValueError, StoreError) as exc:
        raise SystemExit(f"journeyboard: {exc}") from None
    local = args.host in ("127.0.0.1", "0.0.0.0")
    shown = settings.public_url or f"http://{'localhost' if local else args.host}:{args.port}"
    bus = f", bus {redacted(args.bus)}" if args.bus else ""
    log.info("journeyboard %s: store %s%s", __version__, redacted(store_url), bus)
    log.info("open %s to create a workshop", shown)
    stock_ws = os.environ.get("JOURNEYBOARD_WS")
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level=args.log_level,
        ws=stock_ws or "websockets-sansio",
        ws_max_size=settings.limits.transport_max_bytes,
        ws_ping_interval=None,
        timeout_graceful_shutdown=5,
        # A connection idle after a response is closed after this long. Slow headers, their
        # size and connections per address are guarded by GuardedHttpProtocol (http_protocol.py);
        # no global `limit_concurrency`: it counts sockets too and would refuse everyone alike.
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=settings.limits.max_header_bytes,
        lifespan="on",
        log_config=None,  # keep our handlers (and their token filter)
        proxy_headers=bool(args.trusted_proxy),
        forwarded_allow_ips=",".join(args.trusted_proxy) or "127.0.0.1",
    )
    if not stock_ws:
        # Our own lean websocket path (docs/BENCHMARKS.md). JOURNEYBOARD_WS names one of
        # uvicorn's own protocols instead, which serves sync through the Starlette endpoint.
        config.ws = lean_protocol(app.state.services.sockets, config)
    config.http = guarded_protocol(settings.limits, config)
    raise_open_file_limit()
    Server(config).run()


def raise_open_file_limit() -> None:
    """Let the process hold as many connections as the system allows (soft limit to hard)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as exc:  # pragma: no cover - a hard limit we may not take
            log.warning("could not raise the open file limit from %d: %s", soft, exc)


def export(args: argparse.Namespace) -> None:
    import asyncio

    from journeyboard.exports.render import ExportError
    from journeyboard.offline import export_from_store

    progress = Progress(enabled=sys.stderr.isatty() or bool(args.out))
    try:
        outputs = asyncio.run(
            export_from_store(
                args.store or default_store_url(),
                args.board_id,
                args.format,
                dialect=args.dialect,
                sheet=args.sheet,
                tile=args.tile,
                language=args.lang,
                progress=progress,
            )
        )
    except (LookupError, ExportError) as exc:  # no such board; an unknown format or option
        raise SystemExit(f"journeyboard: {exc}") from None
    if args.out is None:
        sys.stdout.buffer.write(outputs[0])
        return
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if len(outputs) == 1:
            out.write_bytes(outputs[0])
            progress.done(f"wrote {out}")
            return
        for number, body in enumerate(outputs, start=1):
            out.with_name(f"{out.stem}-{number}{out.suffix or '.svg'}").write_bytes(body)
    except OSError as exc:
        raise SystemExit(f"journeyboard: cannot write {out}: {exc.strerror}") from None
    progress.done(f"wrote {len(outputs)} pages as {out.stem}-N{out.suffix or '.svg'}")


class Progress:
    """A one-line progress bar on standard error."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r{step:<12} [{bar}] {done}/{total}")
        sys.stderr.flush()

    def done(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\n{message}\n")


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        serve(args)
    elif args.command == "export":
        export(args)
    else:  # pragma: no cover - argparse rejects unknown commands
        sys.exit(2)


if __name__ == "__main__":
    main()


SECRET_ENV = "JOURNEYBOARD_SECRET"
SECRET_FILE = "secret.key"


def resolve_secret(store_url: str) -> str:
    """The signing secret: JOURNEYBOARD_SECRET, else one kept beside the SQLite file (0600)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env
    db = sqlite_path(store_url)
    if db is None:
        raise SystemExit(f"{SECRET_ENV} must be set when the store is not SQLite")
    path = db.parent / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    log.warning("generated a signing secret in %s (set %s to share one)", path, SECRET_ENV)
    return secret


async def reachable(store_url: str) -> None:
    """Open and close the store once, so that an unreachable or unknown store stops the
    server with one clear line instead of a traceback from inside the app's startup."""
    async with open_store(store_url):
        pass


def redacted(url: str) -> str:
    """A URL fit for a log line: any password replaced by ***."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)
