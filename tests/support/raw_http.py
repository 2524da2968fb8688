"""A raw, scripted HTTP server for client tests: it writes back exactly the bytes a test gives it, so
framing the standard library's server would never produce (bare LF, bogus chunk sizes, HTTP/1.0 bodies
that end with the connection, endless bodies) reaches the client as written.

    async with Scripted([ok(completion("hi"))]) as srv:
        async with ChatClient(srv.config()) as client:
            reply = await client.chat(USER, max_tokens=8)

The n-th request (on any connection) gets answers[n]: bytes are written as they are; None closes the
connection without an answer; an async function of the StreamWriter writes what it likes (the
connection is closed after it returns). A plain module, not a conftest plugin: tests import it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, Union

from mella_bench.endpoint.apiclient import EndpointConfig

Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]
Answer = Union[bytes, None, Writer]

KEY_ENV = "MELLA_RAW_HTTP_KEY"


def completion(text: str = "hello") -> bytes:
    """A chat completion whose message content is `text`, as JSON bytes."""
    return json.dumps({"id": "chatcmpl-raw", "object": "chat.completion", "model": "raw-model",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 3, "completion_tokens": 1}}).encode()


def ok(body: bytes = b'{"ok": true}', *extra: str, version: str = "HTTP/1.1") -> bytes:
    """A 200 response with Content-Length framing and `extra` header lines."""
    head = "\r\n".join([f"{version} 200 OK", f"Content-Length: {len(body)}", *extra])
    return head.encode() + b"\r\n\r\n" + body


class Scripted:
    """A raw HTTP server in the test's event loop; records request heads and bodies and counts connections."""

    def __init__(self, answers: list[Answer], close_after: frozenset[int] | set[int] = frozenset()):
        self.answers = answers
        self.close_after = set(close_after)
        """Request numbers after whose answer the server closes the connection."""
        self.heads: list[str] = []
        self.bodies: list[bytes] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> "Scripted":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for w in list(self._writers):  # a handler blocked in drain() ends with a ConnectionError
            w.close()
        if self._tasks:  # let every handler end by itself (a cancelled one is logged as an error)
            await asyncio.wait(list(self._tasks), timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self, path: str = "/v1", **kw: Any) -> EndpointConfig:
        """A client config for this server: no retries, a short backoff (`kw` overrides)."""
        base: dict[str, Any] = dict(base_url=self.url + path, model="raw-model", api_key_env=KEY_ENV, timeout_s=5.0,
                                    max_retries=0, backoff_base_s=0.001, backoff_max_s=0.01)
        base.update(kw)
        return EndpointConfig(**base)

    def request_line(self, n: int) -> str:
        return self.heads[n].split("\r\n", 1)[0]

    def header(self, n: int, name: str) -> str | None:
        for line in self.heads[n].split("\r\n")[1:]:
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == name.lower():
                return value.strip()
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
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
                if callable(answer):
                    await answer(writer)
                    break
                writer.write(answer)
                await writer.drain()
                if n in self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()
