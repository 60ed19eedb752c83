"""HTTP hardening against a real server: body limits, nesting, slow clients, headers, origins."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ServerProcess
from ysync import synced_client

MiB = 1024 * 1024


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def connect(server: ServerProcess, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=10, source_address=(source, 0)
    )
    return sock


def read_response(sock: socket.socket, timeout: float = 10) -> bytes:
    """Bytes until the peer closes or a whole small response has arrived."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and b"content-length:" in head.lower():
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            if len(body) >= length:
                break
    return data


def json_headers(token: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


# -- 5: bodies are read as a stream, refused as soon as they pass their limit ----------------


def test_a_huge_chunked_body_is_refused_while_it_is_read_and_memory_stays_bounded(
    server: ServerProcess,
) -> None:
    assert server.process is not None
    pid = server.process.pid
    server.create_board("warm-up")
    before = status_kib(pid, "VmHWM")
    limit = 16 * MiB  # max_import_bytes, the limit of POST /api/boards
    sock = connect(server)
    sock.sendall(
        b"POST /api/boards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n" % MiB + b"[" + b" " * (MiB - 1) + b"\r\n"
    sent, answer = 0, b""
    while sent < 300 * MiB:
        readable, writable, _ = select.select([sock], [sock], [], 10)
        if readable:
            answer = read_response(sock)
            break
        assert writable, "the server neither read nor answered"
        sock.sendall(chunk)
        sent += MiB
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"too_large"' in answer
    assert sent < 300 * MiB
    grown = (status_kib(pid, "VmHWM") - before) * 1024
    assert grown < 2 * limit, f"peak RSS grew by {grown / MiB:.0f} MiB"
    assert httpx.get(f"{server.http}/healthz").status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    for path, token in (
        ("/api/boards", None),
        (f"/api/boards/{board['id']}/join", board["tokens"]["participant"]),
        (f"/api/boards/{board['id']}/commands", board["tokens"]["facilitator"]),
    ):
        sock = connect(server)
        auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
            + auth
            + b"Content-Length: 10000000000\r\n\r\n"
        )
        answer = read_response(sock)  # nothing of the body was sent
        sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:200])
        assert b'"too_large"' in answer


def test_a_create_may_carry_a_larger_import_than_other_bodies(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    big = b'{"title": "big", "import": {"note": "' + b"x" * (4 * MiB) + b'"}}'
    created = httpx.post(f"{server.http}/api/boards", content=big, headers=json_headers())
    assert created.status_code < 500 and created.status_code != 413, created.text[:200]
    join = httpx.post(
        f"{server.http}/api/boards/{board['id']}/join",
        content=b'{"name": "' + b"x" * (2 * MiB) + b'"}',
        headers=json_headers(board["tokens"]["participant"]),
    )
    assert join.status_code == 413 and join.json()["error"]["code"] == "too_large"


# -- 13: deep nesting gets a clear 400 ------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 900])
def test_deeply_nested_json_gets_a_clear_400_on_every_post(
    server: ServerProcess, board: dict[str, Any], depth: int
) -> None:
    tokens = board["tokens"]
    nested_arrays = b"[" * depth + b"]" * depth
    nested_objects = b'{"a":' * depth + b"1" + b"}" * depth
    inside_title = b'{"title": "x", "import": ' + nested_arrays + b"}"
    targets = [
        ("/api/boards", None),
        (f"/api/boards/{board['id']}/join", tokens["participant"]),
        (f"/api/boards/{board['id']}/commands", tokens["facilitator"]),
    ]
    for path, token in targets:
        for body in (nested_arrays, nested_objects, inside_title):
            response = httpx.post(server.http + path, content=body, headers=json_headers(token))
            assert response.status_code == 400, (path, response.text[:200])
            assert response.json()["error"]["code"] == "too_deep"
    assert "Traceback" not in server.logs() and "RecursionError" not in server.logs()
    assert httpx.get(f"{server.http}/healthz").status_code == 200


# -- 16: JSON POSTs only, from our own origin -------------------------------------------------


def test_cross_site_posts_are_refused(server: ServerProcess, board: dict[str, Any]) -> None:
    create = f"{server.http}/api/boards"
    body = b'{"title": "from another site"}'
    for content_type in (
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        None,
    ):
        headers = {"Content-Type": content_type} if content_type else {}
        response = httpx.post(create, content=body, headers=headers)
        assert response.status_code == 415, (content_type, response.text)
        assert response.json()["error"]["code"] == "unsupported_media_type"
    foreign = httpx.post(
        create, content=body, headers={**json_headers(), "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "origin_refused"
    join = httpx.post(
        f"{server.http}/api/boards/{board['id']}/join",
        content=b'{"name": "Eve"}',
        headers={
            "Authorization": f"Bearer {board['tokens']['participant']}",
            "Content-Type": "text/plain",
        },
    )
    assert join.status_code == 415
    own = httpx.post(create, content=body, headers={**json_headers(), "Origin": server.http})
    assert own.status_code == 201, own.text
    charset = httpx.post(
        create, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert charset.status_code == 201


# -- 16: headers on every kind of answer ------------------------------------------------------


def test_every_kind_of_answer_carries_the_security_headers(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    viewer = {"Authorization": f"Bearer {board['tokens']['viewer']}"}
    page = httpx.get(f"{server.http}/")
    asset = next(
        line.split('src="')[1].split('"')[0]
        for line in page.text.splitlines()
        if 'src="/assets/' in line
    )
    answers = {
        "page": page,
        "board page": httpx.get(f"{server.http}/b/{board['id']}"),
        "asset": httpx.get(server.http + asset),
        "json": httpx.get(f"{server.http}/api/boards/{board['id']}", headers=viewer),
        "error": httpx.get(f"{server.http}/api/boards/{board['id']}"),
        "not found": httpx.get(f"{server.http}/nothing/here"),
        "export html": httpx.get(
            f"{server.http}/api/boards/{board['id']}/export.html", headers=viewer
        ),
        "export svg": httpx.get(
            f"{server.http}/api/boards/{board['id']}/export.svg", headers=viewer
        ),
        "export csv": httpx.get(
            f"{server.http}/api/boards/{board['id']}/export.csv", headers=viewer
        ),
        "metrics": httpx.get(f"{server.http}/metrics"),
        "healthz": httpx.get(f"{server.http}/healthz"),
    }
    for kind, response in answers.items():
        headers = response.headers
        assert response.status_code < 500, kind
        assert headers.get("x-content-type-options") == "nosniff", kind
        assert headers.get("x-frame-options") == "DENY", kind
        assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), kind
    assert answers["error"].status_code == 401 and answers["not found"].status_code == 404
    csp = answers["page"].headers["content-security-policy"]
    connect_src = csp.split("connect-src")[1].split(";")[0].split()
    assert connect_src == ["'self'"], csp


def test_metrics_can_require_a_bearer_token(make_server: Callable[..., ServerProcess]) -> None:
    server = make_server(env={"JOURNEYBOARD_METRICS_TOKEN": "scrape-me"})
    metrics = f"{server.http}/metrics"
    assert httpx.get(metrics).status_code == 401
    assert httpx.get(metrics).json()["error"]["code"] == "unauthorized"
    assert httpx.get(metrics, headers={"Authorization": "Bearer nope"}).status_code == 401
    good = httpx.get(metrics, headers={"Authorization": "Bearer scrape-me"})
    assert good.status_code == 200 and "journeyboard_open_sockets" in good.text
    server.stop()  # one process per SQLite file
    other = make_server("--metrics-token", "from-the-flag")
    assert httpx.get(f"{other.http}/metrics").status_code == 401
    flag = {"Authorization": "Bearer from-the-flag"}
    assert httpx.get(f"{other.http}/metrics", headers=flag).status_code == 200


# -- 15: slow and greedy HTTP clients ---------------------------------------------------------


def test_a_trickling_client_is_cut_off_within_the_header_timeout(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server("--limit", "header_timeout_seconds=2")
    sock = connect(server)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    started = time.monotonic()
    answer = b""
    for byte in request:
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            break
        readable, _, _ = select.select([sock], [], [], 1.0)  # one byte a second
        if readable:
            answer = read_response(sock)
            break
        assert time.monotonic() - started < 6, "the trickling connection was never cut off"
    cut_after = time.monotonic() - started
    sock.close()
    assert 1.5 < cut_after < 4, cut_after
    assert answer.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in answer


def test_a_connection_idle_after_a_response_cannot_be_kept_by_trickling(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server("--limit", "header_timeout_seconds=2")
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(sock).startswith(b"HTTP/1.1 200")
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < 6 and not closed:
        try:
            sock.sendall(b"\r\n")  # never a request, but more than keep-alive's silence
        except OSError:
            closed = True
            break
        readable, _, _ = select.select([sock], [], [], 0.5)
        if readable:
            closed = True
    sock.close()
    assert closed and time.monotonic() - started < 4


def test_oversized_headers_get_431(server: ServerProcess) -> None:
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    answer = b""
    for _ in range(200):
        try:
            sock.sendall(b"X-Pad: " + b"p" * 1000 + b"\r\n")
        except OSError:
            break
        if select.select([sock], [], [], 0)[0]:
            break
    answer = read_response(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]


def test_healthz_answers_while_hundreds_of_trickling_connections_are_open(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server("--limit", "http_connections_per_address=100")
    socks = [connect(server, "127.0.0.2") for _ in range(320)]  # another address than ours
    try:
        answered: set[socket.socket] = set()
        deadline = time.monotonic() + 5
        while len(answered) < 220 and time.monotonic() < deadline:
            waiting = [sock for sock in socks if sock not in answered]
            answered.update(select.select(waiting, [], [], 0.2)[0])
        for sock in answered:
            answer = read_response(sock, timeout=1)
            assert answer.startswith(b"HTTP/1.1 429"), answer[:200]
            assert b'"too_many_connections"' in answer
        kept = [sock for sock in socks if sock not in answered]
        assert (len(answered), len(kept)) == (220, 100)
        for sock in kept:
            sock.sendall(b"G")  # the start of a request that never ends
        for _ in range(5):
            started = time.monotonic()
            assert httpx.get(f"{server.http}/healthz", timeout=2).status_code == 200
            assert time.monotonic() - started < 1
        assert not select.select(kept, [], [], 0)[0], "a trickling connection got cut too soon"
    finally:
        for sock in socks:
            sock.close()


async def test_sockets_do_not_count_as_http_connections(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server("--limit", "http_connections_per_address=3")
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["viewer"])
    async with synced_client(url), synced_client(url), synced_client(url), synced_client(url):
        for _ in range(3):
            assert httpx.get(f"{server.http}/healthz").status_code == 200


def test_the_proxy_config_guards_slow_and_greedy_clients() -> None:
    nginx = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    for directive in (
        "client_header_timeout 10s;",
        "client_body_timeout 10s;",
        "limit_conn_zone $binary_remote_addr zone=per_address",
        "limit_conn per_address ",
        "client_max_body_size 16m;",
    ):
        assert directive in nginx, directive
