"""The HTTP/1.1 client under the API client: framing (length, chunked, to EOF, 1xx), content coding,
keep-alive reuse and when not to reuse, broken responses, cancellation, proxies from the environment."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Awaitable, Callable

import pytest

from mella_bench import http11
from mella_bench.http11 import ConnectionPool, ConnectFailed, Origin, ResponseBroken, proxy_for

Answer = bytes | None
"""Bytes to write back for one request; None: close the connection without answering."""


class Scripted:
    """A raw HTTP server in the test's event loop: the n-th request (on any connection) gets answers[n].

    An answer ending the connection is written and then the socket is closed when `close_after` holds n.
    """

    def __init__(self, answers: list[Answer], close_after: set[int] = frozenset()):  # type: ignore[assignment]
        self.answers = answers
        self.close_after = set(close_after)
        self.heads: list[str] = []
        self.bodies: list[bytes] = []
        self.connections = 0
        self._server: asyncio.AbstractServer | None = None
        self._pools: list[ConnectionPool] = []
        self.port = 0

    def pool(self, path: str = "") -> ConnectionPool:
        """A client pool for this server, closed when the server stops."""
        self._pools.append(ConnectionPool(self.url + path))
        return self._pools[-1]

    async def __aenter__(self) -> "Scripted":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        for pool in self._pools:
            pool.close()
        self._server.close()
        await asyncio.sleep(0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                length = next((int(ln.split(":", 1)[1]) for ln in head.split("\r\n")
                               if ln.lower().startswith("content-length:")), 0)
                n = len(self.heads)
                self.heads.append(head)
                self.bodies.append(await reader.readexactly(length))
                answer = self.answers[n]
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if n in self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes = b'{"ok": true}', *extra: str, version: str = "HTTP/1.1") -> bytes:
    head = "\r\n".join([f"{version} 200 OK", f"Content-Length: {len(body)}", *extra])
    return head.encode() + b"\r\n\r\n" + body


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro_fn())


def test_keep_alive_reuses_one_connection_and_sends_the_request_as_given() -> None:
    async def go() -> None:
        async with Scripted([ok(b"a"), ok(b"bb"), ok(b"ccc")]) as srv:
            pool = srv.pool("/v1")
            bodies = [(await pool.request("POST", "/v1/x?api-version=2", {"Authorization": "Bearer k"}, b"{}")).body
                      for _ in range(3)]
            assert bodies == [b"a", b"bb", b"ccc"]
            assert srv.connections == 1 and pool.opened == 1
            first = srv.heads[0].split("\r\n")
            assert first[0] == "POST /v1/x?api-version=2 HTTP/1.1"
            assert f"Host: 127.0.0.1:{srv.port}" in first and "Authorization: Bearer k" in first
            assert "Content-Length: 2" in first and srv.bodies[0] == b"{}"
    run(go)


def test_chunked_body_with_extensions_and_trailer() -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n")

    async def go() -> None:
        async with Scripted([chunked, ok(b"next")]) as srv:
            pool = srv.pool()
            resp = await pool.request("GET", "/", {})
            assert resp.status == 200 and resp.body == b"hello world"
            assert (await pool.request("GET", "/", {})).body == b"next"
            assert srv.connections == 1  # the chunked body was read exactly to its end
    run(go)


def test_body_to_end_of_connection_and_http10_are_not_reused() -> None:
    async def go() -> None:
        async with Scripted([b"HTTP/1.1 200 OK\r\n\r\nuntil eof", ok(b"x", version="HTTP/1.0"), ok(b"y")],
                            close_after={0}) as srv:
            pool = srv.pool()
            assert (await pool.request("GET", "/", {})).body == b"until eof"
            assert (await pool.request("GET", "/", {})).body == b"x"
            assert (await pool.request("GET", "/", {})).body == b"y"
            assert pool.opened == 3
    run(go)


def test_connection_close_header_is_honoured() -> None:
    async def go() -> None:
        async with Scripted([ok(b"1", "Connection: close"), ok(b"2"), ok(b"3")]) as srv:
            pool = srv.pool()
            for _ in range(3):
                await pool.request("GET", "/", {})
            assert pool.opened == 2  # the first connection was closed, the second kept
    run(go)


def test_interim_100_continue_is_skipped_and_headers_are_joined() -> None:
    answer = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n"
              b"X-A: 1\r\nx-a: 2\r\nContent-Length: 2\r\n\r\n{}")

    async def go() -> None:
        async with Scripted([answer]) as srv:
            resp = await srv.pool().request("GET", "/", {})
            assert (resp.status, resp.reason, resp.body) == (429, "Too Many Requests", b"{}")
            assert resp.headers["retry-after"] == "3" and resp.headers["x-a"] == "1, 2"
    run(go)


def test_gzip_and_raw_deflate_bodies_are_decoded() -> None:
    text = b'{"choices": []}' * 20
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    deflated = raw.compress(text) + raw.flush()

    async def go() -> None:
        async with Scripted([ok(gzip.compress(text), "Content-Encoding: gzip"),
                             ok(deflated, "Content-Encoding: deflate"),
                             ok(b"not gzip", "Content-Encoding: gzip")]) as srv:
            pool = srv.pool()
            assert (await pool.request("GET", "/", {})).body == text
            assert (await pool.request("GET", "/", {})).body == text
            with pytest.raises(ResponseBroken, match="undecodable gzip"):
                await pool.request("GET", "/", {})
    run(go)


@pytest.mark.parametrize("answer, match", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"half\":", "dropped mid-response .8 of 50"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort", "dropped mid-response"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
    (b"garbage that is not HTTP\r\n\r\n", "not an HTTP/1.x status line"),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n{}", "bad Content-Length"),
    (b"HTTP/1.1 200 OK\r\nContent-Len", "before a complete response head"),
    (None, "before a complete response head .0 bytes"),
])
def test_broken_responses_raise_and_the_connection_is_not_reused(answer: Answer, match: str) -> None:
    async def go() -> None:
        async with Scripted([answer, ok(b"fine")], close_after={0}) as srv:
            pool = srv.pool()
            with pytest.raises(ResponseBroken, match=match):
                await pool.request("POST", "/", {}, b"{}")
            assert (await pool.request("POST", "/", {}, b"{}")).body == b"fine"
            assert pool.opened == 2
    run(go)


def test_oversized_bodies_are_refused_without_reading_them_into_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """A declared, chunked, to-EOF or decompressed body over MAX_BODY_BYTES fails that request."""
    monkeypatch.setattr(http11, "MAX_BODY_BYTES", 1000)
    bomb = gzip.compress(b"0" * 100_000)  # about 150 bytes on the wire
    chunks = b"".join(b"%x\r\n" % 400 + b"x" * 400 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"

    async def go() -> None:
        async with Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
                             b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks,
                             ok(bomb, "Content-Encoding: gzip"),
                             ok(b"x" * 900)]) as srv:
            pool = srv.pool()
            for what in ("larger than 1000", "larger than 1000", "decompressed response body larger"):
                with pytest.raises(ResponseBroken, match=what):
                    await pool.request("GET", "/", {})
            assert (await pool.request("GET", "/", {})).body == b"x" * 900

        async with Scripted([b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 5000], close_after={0}) as srv:
            with pytest.raises(ResponseBroken, match="larger than 1000"):
                await srv.pool().request("GET", "/", {})
    run(go)


def test_idle_connection_closed_by_the_server_is_not_reused() -> None:
    async def go() -> None:
        async with Scripted([ok(b"1"), ok(b"2")], close_after={0}) as srv:  # the server ends the keep-alive
            pool = srv.pool()
            await pool.request("GET", "/", {})
            await asyncio.sleep(0.05)  # the FIN arrives while the connection is idle
            assert (await pool.request("GET", "/", {})).body == b"2"  # no error: a fresh connection
            assert pool.opened == 2
    run(go)


def test_connection_idle_past_keepalive_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http11, "KEEPALIVE_S", 0.0)

    async def go() -> None:
        async with Scripted([ok(b"1"), ok(b"2")]) as srv:
            pool = srv.pool()
            await pool.request("GET", "/", {})
            await pool.request("GET", "/", {})
            assert pool.opened == 2
    run(go)


def test_cancelled_request_closes_its_connection() -> None:
    async def go() -> None:
        never = Scripted([b"", ok(b"late")])  # the first request is read but never answered
        async with never as srv:
            pool = srv.pool()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(pool.request("GET", "/", {}), 0.1)
            assert (await pool.request("GET", "/", {})).body == b"late"
            assert pool.opened == 2 and srv.connections == 2
    run(go)


def test_line_breaks_in_headers_are_refused_before_sending() -> None:
    async def go() -> None:
        async with Scripted([]) as srv:
            with pytest.raises(ValueError, match="line break"):
                await srv.pool().request("GET", "/", {"Authorization": "Bearer k\r\nX-Evil: 1"})
            with pytest.raises(ValueError, match="not ASCII"):
                await srv.pool().request("GET", "/caf\u00e9", {})
            assert srv.connections == 0
    run(go)


def test_unreachable_host_is_connect_failed() -> None:
    async def go() -> None:
        with pytest.raises(ConnectFailed, match="cannot connect to 127.0.0.1:9"):
            await ConnectionPool("http://127.0.0.1:9/v1").request("GET", "/", {})
    run(go)


def test_origin_never_carries_userinfo() -> None:
    o = Origin.of("https://user:pw@Host.Example:8443/v1")
    assert (o.scheme, o.host, o.port, o.host_header, o.tls) == ("https", "host.example", 8443, "Host.Example:8443", True)
    assert Origin.of("http://[::1]/v1").host_header == "[::1]" and Origin.of("http://[::1]/v1").port == 80
    with pytest.raises(ValueError):
        Origin.of("http:///v1")


# ---------------------------------------------------------------- proxies

def test_proxy_from_environment() -> None:
    api, plain = Origin.of("https://api.example.com/v1"), Origin.of("http://api.example.com/v1")
    assert proxy_for(api, {"HTTPS_PROXY": "http://p:3128"}) == "http://p:3128"
    assert proxy_for(plain, {"HTTPS_PROXY": "http://p:3128"}) is None
    assert proxy_for(plain, {"http_proxy": "p:8080"}) == "http://p:8080"  # scheme-less: http
    assert proxy_for(api, {"ALL_PROXY": "http://all:1"}) == "http://all:1"
    assert proxy_for(api, {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:1"}) == "http://lower:1"
    assert proxy_for(api, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.org,example.com"}) is None
    assert proxy_for(api, {"HTTPS_PROXY": "http://p:1", "no_proxy": "*"}) is None
    assert proxy_for(Origin.of("http://127.0.0.1:8000/v1"), {"HTTP_PROXY": "http://p:1"}) is None  # loopback
    assert proxy_for(Origin.of("http://localhost:8000/v1"), {"ALL_PROXY": "http://p:1"}) is None
    assert proxy_for(plain, {"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}) is None  # httpoxy
    with pytest.raises(ValueError, match="only http:// proxies"):
        proxy_for(api, {"HTTPS_PROXY": "socks5://p:1080"})
