"""The API client's HTTP behaviour against a raw scripted server: what goes on the wire, framing
(length, chunked, to end of connection, 1xx), content coding, keep-alive reuse and when not to reuse,
broken responses, timeouts, size limits, and proxies from the environment. Hostile servers are in
tests/faults/test_http_faults.py."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from typing import Any, Awaitable, Callable

import pytest

from mella_bench.endpoint import transport
from mella_bench.endpoint.apiclient import ApiError, ChatClient, ChatReply, ClientStats, EndpointConfig
from mella_bench.endpoint.transport import Transport, proxy_for
from tests.support.fake_openai import FakeOpenAI
from tests.support.raw_http import KEY_ENV, Answer, Scripted, completion, ok

KEY = "sk-transport-test-5d1e0b7c"
USER = [{"role": "user", "content": "hello"}]


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


async def chats(cfg: EndpointConfig, n: int, sleep: Callable[[float], Awaitable[None]] | None = None
                ) -> tuple[list[ChatReply | ApiError], ClientStats]:
    """`n` chats one after another; a failed one gives its ApiError instead of a reply."""
    out: list[ChatReply | ApiError] = []
    async with ChatClient(cfg, **({"sleep": sleep} if sleep else {})) as client:
        for _ in range(n):
            try:
                out.append(await client.chat(USER, max_tokens=8))
            except ApiError as err:
                out.append(err)
        return out, client.stats


def texts(results: list[Any]) -> list[str]:
    return [r.text if isinstance(r, ChatReply) else f"{r.kind}: {r.message}" for r in results]


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro_fn())


def test_keep_alive_reuses_one_connection_and_sends_the_request_as_given() -> None:
    async def go() -> None:
        async with Scripted([ok(completion("a")), ok(completion("bb")), ok(completion("ccc"))]) as srv:
            results, stats = await chats(srv.config("/v1?api-version=2"), 3)
            assert texts(results) == ["a", "bb", "ccc"]
            assert srv.connections == 1 and stats.connections == 1
            assert srv.request_line(0) == "POST /v1/chat/completions?api-version=2 HTTP/1.1"
            assert srv.header(0, "Host") == f"127.0.0.1:{srv.port}"
            assert srv.header(0, "Authorization") == f"Bearer {KEY}"
            assert srv.header(0, "Content-Type") == "application/json"
            assert int(srv.header(0, "Content-Length") or 0) == len(srv.bodies[0])
            assert json.loads(srv.bodies[0])["messages"] == USER
    run(go)


def test_chunked_body_with_extensions_and_trailer() -> None:
    body = completion("chunked")
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"%x;ext=1\r\n" % 9 + body[:9] + b"\r\n" + b"%x\r\n" % (len(body) - 9) + body[9:] + b"\r\n"
               + b"0\r\nX-Trailer: t\r\n\r\n")

    async def go() -> None:
        async with Scripted([chunked, ok(completion("next"))]) as srv:
            results, _ = await chats(srv.config(), 2)
            assert texts(results) == ["chunked", "next"]
            assert srv.connections == 1  # the chunked body was read exactly to its end
    run(go)


def test_body_to_end_of_connection_and_http10_are_not_reused() -> None:
    async def go() -> None:
        async with Scripted([b"HTTP/1.1 200 OK\r\n\r\n" + completion("until eof"),
                             ok(completion("x"), version="HTTP/1.0"), ok(completion("y"))], close_after={0}) as srv:
            results, stats = await chats(srv.config(), 3)
            assert texts(results) == ["until eof", "x", "y"]
            assert srv.connections == 3 and stats.connections == 3
    run(go)


def test_connection_close_header_is_honoured() -> None:
    async def go() -> None:
        async with Scripted([ok(completion("1"), "Connection: close"), ok(completion("2")), ok(completion("3"))]) as srv:
            results, stats = await chats(srv.config(), 3)
            assert texts(results) == ["1", "2", "3"]
            assert srv.connections == 2 and stats.connections == 2  # the first closed, the second kept
    run(go)


def test_interim_100_continue_is_skipped_and_retry_after_read_from_the_final_head() -> None:
    answer = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n"
              b"Content-Length: 2\r\n\r\n{}")
    delays: list[float] = []

    async def sleep(s: float) -> None:
        delays.append(s)

    async def go() -> None:
        async with Scripted([answer, ok(completion("after wait"))]) as srv:
            results, stats = await chats(srv.config(max_retries=1), 1, sleep)
            assert texts(results) == ["after wait"] and delays == [3.0] and stats.errors == {"rate_limit": 1}
    run(go)


def test_gzip_and_raw_deflate_bodies_are_decoded_and_undecodable_ones_fail() -> None:
    text = completion("compressed " * 20)
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    deflated = raw.compress(text) + raw.flush()

    async def go() -> None:
        async with Scripted([ok(gzip.compress(text), "Content-Encoding: gzip"),
                             ok(deflated, "Content-Encoding: deflate"),
                             ok(zlib.compress(text), "Content-Encoding: deflate"),
                             ok(b"not gzip", "Content-Encoding: gzip"),
                             ok(text, "Content-Encoding: compress")]) as srv:
            results, _ = await chats(srv.config(), 5)
            assert texts(results)[:3] == [("compressed " * 20)] * 3
            assert all(isinstance(r, ApiError) and r.kind == "connection" for r in results[3:])
            assert "unsupported content-encoding 'compress'" in results[4].message
            assert srv.heads[0].lower().count("accept-encoding: gzip, deflate") == 1
    run(go)


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"half\":",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"garbage that is not HTTP\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Len",
    None,
], ids=["short-length", "short-chunk", "bad-chunk-size", "not-http", "no-colon", "two-lengths", "negative-length",
        "cut-head", "no-answer"])
def test_broken_responses_fail_as_connection_errors_and_the_connection_is_not_reused(answer: Answer) -> None:
    async def go() -> None:
        async with Scripted([answer, ok(completion("fine"))], close_after={0}) as srv:
            results, stats = await chats(srv.config(), 2)
            assert isinstance(results[0], ApiError) and results[0].kind == "connection", texts(results)
            assert results[0].status is None and results[0].attempts == 1
            assert texts(results)[1] == "fine" and srv.connections == 2
    run(go)


def test_oversized_bodies_are_refused_without_reading_them_into_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """A declared, chunked, to-EOF or decompressed body over MAX_BODY_BYTES fails that request."""
    monkeypatch.setattr(transport, "MAX_BODY_BYTES", 1000)
    bomb = gzip.compress(b"0" * 100_000)  # about 150 bytes on the wire
    chunks = b"".join(b"%x\r\n" % 400 + b"x" * 400 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
    small = completion("y" * 700)
    assert len(small) < 1000

    async def go() -> None:
        async with Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
                             b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks,
                             ok(bomb, "Content-Encoding: gzip"),
                             ok(small),
                             b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 5000], close_after={4}) as srv:
            results, _ = await chats(srv.config(), 5)
            for i, what in ((0, "larger than 1000 bytes (declared 5000)"), (1, "larger than 1000"),
                            (2, "decompressed response body larger than 1000"), (4, "larger than 1000")):
                assert isinstance(results[i], ApiError) and results[i].kind == "connection", texts(results)
                assert what in results[i].message
            assert texts(results)[3] == "y" * 700
    run(go)


def test_idle_connection_closed_by_the_server_is_not_reused() -> None:
    async def go() -> None:
        async with Scripted([ok(completion("1")), ok(completion("2"))], close_after={0}) as srv:
            async with ChatClient(srv.config()) as client:
                await client.chat(USER, max_tokens=8)
                await asyncio.sleep(0.05)  # the FIN arrives while the connection is idle
                assert (await client.chat(USER, max_tokens=8)).text == "2"  # no error: a fresh connection
                assert client.stats.connections == 2 and client.stats.retries == 0
    run(go)


def test_connection_idle_past_keepalive_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "KEEPALIVE_S", 0.01)

    async def go() -> None:
        async with Scripted([ok(completion("1")), ok(completion("2"))]) as srv:
            async with ChatClient(srv.config()) as client:
                await client.chat(USER, max_tokens=8)
                await asyncio.sleep(0.1)
                assert (await client.chat(USER, max_tokens=8)).text == "2"
                assert client.stats.connections == 2 and srv.connections == 2
    run(go)


def test_a_timed_out_request_closes_its_connection() -> None:
    async def go() -> None:
        async with Scripted([b"", ok(completion("late"))]) as srv:  # the first request is read, never answered
            results, stats = await chats(srv.config(timeout_s=0.2), 2)
            assert isinstance(results[0], ApiError) and results[0].kind == "timeout"
            assert texts(results)[1] == "late" and srv.connections == 2 and stats.connections == 2
    run(go)


def test_a_non_ascii_path_is_percent_encoded() -> None:
    async def go() -> None:
        async with Scripted([ok(completion("encoded"))]) as srv:
            results, _ = await chats(srv.config("/caf\u00e9/v1"), 1)
            assert texts(results) == ["encoded"]
            assert srv.request_line(0) == "POST /caf%C3%A9/v1/chat/completions HTTP/1.1"
    run(go)


def test_unreachable_host_is_a_connection_error_naming_it() -> None:
    async def go() -> None:
        results, _ = await chats(EndpointConfig("http://127.0.0.1:9/v1", "m", api_key_env=KEY_ENV, max_retries=0), 1)
        assert isinstance(results[0], ApiError) and results[0].kind == "connection"
        assert "cannot connect to 127.0.0.1:9" in results[0].message
    run(go)


def test_a_client_used_from_a_second_event_loop_reconnects_without_noise(caplog: pytest.LogCaptureFixture) -> None:
    """Connections belong to the loop that opened them: a second `asyncio.run` gets a fresh pool, and the
    first loop's pool is closed, not left for aiohttp to report as an unclosed connector."""
    import gc

    with FakeOpenAI() as srv:
        client = ChatClient(EndpointConfig(srv.base_url, srv.model, api_key_env=KEY_ENV))
        async def last() -> str:
            async with client:
                return (await client.chat(USER, max_tokens=8)).text

        assert asyncio.run(client.chat(USER, max_tokens=8)).text == "ECHO[0]: hello"
        assert asyncio.run(last()) == "ECHO[0]: hello"
        gc.collect()
        assert client.stats.connections == 2 and srv.n_connections == 2
    assert "Unclosed" not in caplog.text


def test_the_transport_refuses_urls_it_must_not_send() -> None:
    with pytest.raises(ValueError, match="user:password"):
        Transport("https://user:pw@host.example/v1")
    with pytest.raises(ValueError, match="http:// or https://"):
        Transport("http:///v1")


# ---------------------------------------------------------------- proxies

def test_proxy_from_environment() -> None:
    api, plain = "https://api.example.com/v1", "http://api.example.com/v1"
    assert proxy_for(api, {"HTTPS_PROXY": "http://p:3128"}) == "http://p:3128"
    assert proxy_for(plain, {"HTTPS_PROXY": "http://p:3128"}) is None
    assert proxy_for(plain, {"http_proxy": "p:8080"}) == "http://p:8080"  # scheme-less: http
    assert proxy_for(api, {"ALL_PROXY": "http://all:1"}) == "http://all:1"
    assert proxy_for(api, {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:1"}) == "http://lower:1"
    assert proxy_for(api, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other.org,example.com"}) is None
    assert proxy_for(api, {"HTTPS_PROXY": "http://p:1", "no_proxy": "*"}) is None
    assert proxy_for("http://127.0.0.1:8000/v1", {"HTTP_PROXY": "http://p:1"}) is None  # loopback
    assert proxy_for("http://localhost:8000/v1", {"ALL_PROXY": "http://p:1"}) is None
    assert proxy_for("http://[::1]:8000/v1", {"ALL_PROXY": "http://p:1"}) is None
    assert proxy_for(plain, {"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}) is None  # httpoxy
    with pytest.raises(ValueError, match="only http:// proxies"):
        proxy_for(api, {"HTTPS_PROXY": "socks5://p:1080"})
    with pytest.raises(ValueError, match="only http:// proxies"):
        proxy_for(api, {"HTTPS_PROXY": "https://p:443"})  # aiohttp's trust_env would connect directly instead
