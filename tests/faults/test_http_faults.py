"""Hostile and broken HTTP servers against the API client (the HTTP part of the fault pass, issues 20
and 23): each reply is written byte for byte by a raw server, with the real limits (64 MiB body cap).

What must hold: a valid but unusual reply is read whole (HTTP/1.0 bodies that end with the connection,
written in pieces; bare-LF heads, at once and not after the timeout); invalid framing is refused
(chunk sizes Python's int() would accept); no limit is bypassed (a body without end, a compression
bomb); what the client sends is well-formed (no raw space in the request line) and goes to the one
configured host (a redirect is reported, never followed).
"""

from __future__ import annotations

import asyncio
import gzip
import sys
import zlib

import pytest

from mella_bench.endpoint.apiclient import ApiError, ChatClient, ChatReply, EndpointConfig
from mella_bench.endpoint.transport import MAX_BODY_BYTES
from tests.support.fake_openai import FakeOpenAI, Fault
from tests.support.raw_http import KEY_ENV, Scripted, completion, ok

KEY = "sk-http-faults-2b8e61d4a9"
USER = [{"role": "user", "content": "hello"}]
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


async def ask(srv: Scripted, n: int = 1, **cfg: object) -> list[ChatReply | ApiError]:
    out: list[ChatReply | ApiError] = []
    async with ChatClient(srv.config(**cfg)) as client:  # type: ignore[arg-type]
        for _ in range(n):
            try:
                out.append(await client.chat(USER, max_tokens=8))
            except ApiError as err:
                out.append(err)
    return out


def http10_in_pieces(body: bytes, pieces: int, pause_s: float = 0.02):
    """An HTTP/1.0 server's reply without Content-Length: the head, then the body in `pieces` writes
    with a pause between them, then the connection closes (which is what ends the body)."""
    async def write(w: asyncio.StreamWriter) -> None:
        w.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
        await w.drain()
        step = -(-len(body) // pieces)
        for i in range(0, len(body), step):
            await asyncio.sleep(pause_s)
            w.write(body[i:i + step])
            await w.drain()
    return write


def test_http10_close_delimited_body_written_in_pieces_is_read_whole() -> None:
    """Issue 20 defect 1: the old client took the first piece for the whole body (every request failed)."""
    body = completion("an answer long enough to arrive in five pieces " * 4)

    async def go() -> None:
        async with Scripted([http10_in_pieces(body, 5), http10_in_pieces(body, 3)]) as srv:
            results = await ask(srv, 2)
            assert [r.text if isinstance(r, ChatReply) else str(r) for r in results] == \
                ["an answer long enough to arrive in five pieces " * 4] * 2
            assert srv.connections == 2  # a body that ends with the connection: nothing to reuse
    asyncio.run(go())


def test_close_delimited_body_without_end_hits_the_64_mib_cap() -> None:
    """Issue 20 defect 1: a 100 MB close-delimited body was 'read' as its first segment; it must fail
    on the body limit, and the client must stop reading there (not take all 100 MB)."""
    written = 0

    async def endless(w: asyncio.StreamWriter) -> None:
        nonlocal written
        w.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
        piece = b"x" * MiB
        try:
            for _ in range(100):
                w.write(piece)
                await w.drain()
                written += len(piece)
        except ConnectionError:
            pass

    async def go() -> None:
        async with Scripted([endless]) as srv:
            [result] = await ask(srv)
            assert isinstance(result, ApiError) and result.kind == "connection", result
            assert f"response body larger than {MAX_BODY_BYTES} bytes" in result.message
            assert MAX_BODY_BYTES == 64 * MiB and written < 100 * MiB
    asyncio.run(go())


def test_compressed_body_that_inflates_past_the_cap_is_refused() -> None:
    """A gzip body of ~100 KB that inflates to 100 MiB fails on the limit after decompression."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = b"".join(z.compress(bytes(MiB)) for _ in range(100)) + z.flush()
    assert len(bomb) < MiB

    async def go() -> None:
        async with Scripted([ok(bomb, "Content-Encoding: gzip"), ok(gzip.compress(completion("fine")),
                                                                    "Content-Encoding: gzip")]) as srv:
            results = await ask(srv, 2)
            assert isinstance(results[0], ApiError) and results[0].kind == "connection"
            assert f"decompressed response body larger than {MAX_BODY_BYTES} bytes" in results[0].message
            assert isinstance(results[1], ChatReply) and results[1].text == "fine"
    asyncio.run(go())


def test_bare_lf_response_head_is_read_at_once_not_after_the_timeout() -> None:
    """Issue 20 defect 1: a head with bare-LF line endings waited for the timeout (kind `timeout`).
    The connection stays open after the reply, so only the framing can end the wait."""
    body = completion("bare LF")
    head = f"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: {len(body)}\n\n".encode()

    async def go() -> None:
        async with Scripted([head + body, head + body]) as srv:
            results = await ask(srv, 2, timeout_s=3.0)
            got = [r.text if isinstance(r, ChatReply) else f"{r.kind}: {r.message}" for r in results]
            if sys.flags.dev_mode:  # aiohttp parses strictly under `python -X dev`: refused at once, named
                assert all(g.startswith("connection: ") and "Missing expected CR" in g for g in got), got
            else:  # as browsers and the standard library do: read
                assert got == ["bare LF"] * 2 and srv.connections == 1
    asyncio.run(go())


@pytest.mark.parametrize("size, length", [("0x10", 16), ("+5", 5), ("1_0", 16)])
def test_chunk_sizes_python_would_accept_are_refused(size: str, length: int) -> None:
    """Issue 23: the old client parsed chunk sizes with int(x, 16), which accepts '0x10', '+5', '1_0'
    (the reply below reads as a valid completion that way); HTTP allows hex digits only."""
    body = completion("misframed")
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size.encode() + b"\r\n" + body[:length]
               + b"\r\n" + b"%x\r\n" % (len(body) - length) + body[length:] + b"\r\n0\r\n\r\n")

    async def go() -> None:
        async with Scripted([chunked, ok(completion("next"))], close_after={0}) as srv:
            results = await ask(srv, 2)
            assert isinstance(results[0], ApiError), "a bogus chunk size was accepted"
            assert results[0].kind == "connection" and "chunk size" in results[0].message
            assert isinstance(results[1], ChatReply) and results[1].text == "next" and srv.connections == 2
    asyncio.run(go())


def test_space_in_the_base_url_is_percent_encoded_not_sent_raw() -> None:
    """Issue 23: a space in the base URL went into the request line raw (an invalid request)."""
    async def go() -> None:
        async with Scripted([ok(completion("ok"))]) as srv:
            [result] = await ask(srv, 1, base_url=srv.url + "/my api/v1?api-version=2024 06")
            assert srv.request_line(0) == "POST /my%20api/v1/chat/completions?api-version=2024+06 HTTP/1.1"
            assert isinstance(result, ChatReply) and result.text == "ok"
    asyncio.run(go())


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(1000)) + b"Content-Length: 2\r\n\r\n{}",
], ids=["100k-header", "1000-headers"])
def test_oversized_response_heads_fail_at_once(head: bytes) -> None:
    async def go() -> None:
        async with Scripted([head]) as srv:
            [result] = await ask(srv, timeout_s=30.0)
            assert isinstance(result, ApiError) and result.kind == "connection", result
    asyncio.run(go())


def test_a_redirect_to_another_host_is_reported_and_nothing_goes_there() -> None:
    async def go() -> None:
        async with Scripted([]) as elsewhere:
            target = elsewhere.url + "/v1/chat/completions"
            with FakeOpenAI(responder=lambda c: Fault("redirect", message=target)) as srv:
                cfg = EndpointConfig(srv.base_url, srv.model, api_key_env=KEY_ENV, max_retries=3, backoff_base_s=0.001)
                async with ChatClient(cfg) as client:
                    with pytest.raises(ApiError) as ei:
                        await client.chat(USER, max_tokens=8)
            assert ei.value.kind == "config" and ei.value.status == 307 and srv.n_chat == 1
            assert f"127.0.0.1:{elsewhere.port}" in str(ei.value) and elsewhere.connections == 0
            assert set(srv.auth_headers) == {f"Bearer {KEY}"}
    asyncio.run(go())
