"""An HTTP proxy on 127.0.0.1 for tests (standard library only), in its own thread and event loop.

It serves CONNECT tunnels (for https:// targets) and absolute-form requests (for http:// targets),
maps every target host to 127.0.0.1 (so a test can name a host that is not loopback, which the
client would otherwise reach directly), and records the request lines and Proxy-Authorization
headers it saw. With `require_auth` set, other credentials get 407.

    with FakeOpenAI() as srv, FakeProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class FakeProxy:
    require_auth: str | None = None
    """The exact Proxy-Authorization value to accept (None: accept anything)."""
    request_lines: list[str] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    _port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            first, *lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
            self.request_lines.append(first)
            self.auth.append(headers.get("proxy-authorization"))
            if self.require_auth is not None and headers.get("proxy-authorization") != self.require_auth:
                writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            method, target, version = first.split(" ")
            if method == "CONNECT":
                up_r, up_w = await asyncio.open_connection("127.0.0.1", int(target.rsplit(":", 1)[1]))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:  # absolute-form: forward this one request in origin-form, then the connection ends
                url = urlsplit(target)
                up_r, up_w = await asyncio.open_connection("127.0.0.1", url.port or 80)
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                kept = [ln for ln in lines if ln and not ln.lower().startswith(("proxy-authorization", "connection"))]
                path = url.path + (f"?{url.query}" if url.query else "")
                up_w.write(("\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"]) + "\r\n\r\n")
                           .encode("latin-1") + body)
            await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer), return_exceptions=True)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    def start(self) -> "FakeProxy":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self._port = server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            server.close()
            self._loop.run_until_complete(server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)
            asyncio.get_running_loop().stop()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop)
        self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> "FakeProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
