"""The HTTP transport under `mella_bench.endpoint.apiclient`, on aiohttp: one keep-alive connection pool per
endpoint, and the project's rules on top of it.

Why aiohttp: HTTP/1.x framing (Content-Length, chunked, close-delimited bodies, 1xx, bare-LF heads),
content decoding, TLS and CONNECT tunnels are what a well-kept client gets right and a hand-written
one keeps getting subtly wrong. aiohttp parses with llhttp (C), and is built for many requests in
flight on one event loop; measured against the hand-written client it replaced, see
docs/api-client.md ("Connections and throughput").

What stays ours, and why:
- **No redirects** (`allow_redirects=False`): the caller reports a 3xx as a config error, so the key
  never travels to another address.
- **Body limit**: `MAX_BODY_BYTES` before and after decompression (aiohttp decompresses in bounded
  pieces; this module stops reading past the limit), so a server or proxy streaming without end
  fails one request instead of filling memory.
- **Proxies from the environment, read here** (not aiohttp's `trust_env`, which ignores ALL_PROXY,
  silently connects directly when an https:// proxy is set, reads ~/.netrc and could send its
  credentials to the API host, and proxies loopback hosts): HTTP_PROXY / HTTPS_PROXY / ALL_PROXY,
  NO_PROXY, loopback always direct, only http:// proxy URLs. Proxy credentials go only to the proxy
  (the CONNECT request, or the absolute-form request of an http:// target).
- **TLS** through one verifying default context (system CA store, SSL_CERT_FILE / SSL_CERT_DIR, certifi
  only where the system has none).
- **No cookies** are kept between requests (every request is the same bytes whatever came before),
  and no netrc or URL credentials are ever sent: the caller passes the URL without userinfo.
- **Errors** come out as `ConnectFailed` (nothing was sent: DNS, refused, TLS, proxy) or
  `ResponseBroken` (the exchange broke after the request went out), with messages that name the
  host and the cause; the caller classifies and scrubs them.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import ssl
import urllib.request
import weakref
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp
from yarl import URL

KEEPALIVE_S = 4.0
"""Idle connections older than this are closed, not reused: common servers (uvicorn, as under vLLM)
close idle connections after 5 s, and reusing one in that instant fails the request."""

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest response body accepted, before and after decompression: a chat completion is kilobytes,
so a server (or proxy) streaming without end fails this request instead of filling memory."""

DECODED_CODINGS = frozenset({"", "identity", "gzip", "deflate", "br", "zstd"})
"""Content-Encoding values aiohttp decodes (br and zstd only with their optional packages, which it
names when missing); any other coding is refused rather than handed on as undecoded bytes."""


class TransportError(Exception):
    """The exchange failed below HTTP semantics: no connection, a dropped one, or a broken response."""


class ConnectFailed(TransportError):
    """No connection could be made (DNS, refused, TLS handshake or certificate, proxy)."""


class ResponseBroken(TransportError):
    """The connection dropped mid-response, the response is not valid HTTP/1.x, or it is too large."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: Mapping[str, str]
    """Case-insensitive names (a repeated field: its first value)."""
    body: bytes


def _loopback(host: str) -> bool:
    return host == "localhost" or host == "::1" or host.startswith("127.")


def proxy_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL the environment sets for `url` (None: connect directly).

    Read like curl/httpx: `<scheme>_proxy` then `all_proxy` (either case; lower case wins), `no_proxy`
    exempts hosts; loopback hosts always connect directly (a local vLLM server behind a corporate
    proxy setting). Raises ValueError for a proxy URL that is not http://.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _loopback(host):
        return None
    env = dict(os.environ if environ is None else environ)
    if "REQUEST_METHOD" in env:  # under CGI, HTTP_PROXY may come from a request header ("httpoxy")
        env.pop("HTTP_PROXY", None)
    proxies: dict[str, str] = {}
    for name, value in env.items():  # lower case wins over upper case, as in urllib and curl
        low = name.lower()
        if value and low.endswith("_proxy") and (low == name or low[:-6] not in proxies):
            proxies[low[:-6]] = value
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    no_proxy = proxies.get("no", "")
    if no_proxy and urllib.request.proxy_bypass_environment(host, {"no": no_proxy}):
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    scheme = proxy.split("://", 1)[0].lower()
    if scheme != "http":
        raise ValueError(f"only http:// proxies are supported ({scheme}:// proxy set in the environment); "
                         "unset it or set NO_PROXY for this host")
    return proxy


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context()  # honours SSL_CERT_FILE / SSL_CERT_DIR
    paths = ssl.get_default_verify_paths()
    if not (paths.cafile or paths.capath):  # a slim container without a CA store: use certifi's, if present
        try:
            import certifi

            ctx.load_verify_locations(certifi.where())
        except ImportError:
            pass
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per CA setting (building one reads the whole CA store: ~20 ms)."""
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@dataclass(frozen=True)
class _Proxy:
    """Where to send requests instead, and the header that authenticates to it (None: no credentials)."""

    url: URL
    display: str
    """host:port, for messages (never the credentials)."""
    authorization: str | None


def _proxy(url: str | None) -> _Proxy | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError("the proxy URL in the environment has no host")
    netloc = parts.netloc.rsplit("@", 1)[-1]
    auth = None
    if parts.username is not None:
        raw = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth = "Basic " + base64.b64encode(raw).decode("ascii")
    return _Proxy(URL(urlunsplit((parts.scheme, netloc, "", "", ""))), netloc, auth)


class _CountingConnector(aiohttp.TCPConnector):
    """aiohttp's connector, counting the connections it opens (for keep-alive statistics). Counted here,
    by the protocol objects it hands out, because a TraceConfig costs ~0.08 ms of CPU per request."""

    def __init__(self, on_open: Callable[[], None], **kwargs: Any):
        super().__init__(**kwargs)
        self._on_open = on_open
        self._seen: weakref.WeakSet[object] = weakref.WeakSet()

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
        conn = await super().connect(req, traces, timeout)
        protocol = conn.protocol
        if protocol is not None and protocol not in self._seen:
            self._seen.add(protocol)
            self._on_open()
        return conn


class Transport:
    """Keep-alive connections to one origin through aiohttp. Bound to the event loop of its first request.

    Concurrency is the caller's to bound; at most `max_connections` connections are open at once.
    """

    def __init__(self, url: str, *, max_connections: int = 16, environ: Mapping[str, str] | None = None,
                 ssl_context: ssl.SSLContext | None = None, on_open: Callable[[], None] | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("URL must be http:// or https:// with a host")
        if "@" in parts.netloc:
            raise ValueError("URL must not carry user:password (it would be sent as Basic auth)")
        self.host = parts.netloc
        """host[:port] as in the URL, for messages."""
        self.tls = parts.scheme == "https"
        self.max_connections = max(1, max_connections)
        self.proxy = _proxy(proxy_for(url, environ))
        self._ssl = (ssl_context or default_ssl_context()) if self.tls else None
        self._on_open = on_open
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, URL] = {}
        self.opened = 0
        """Connections opened so far (keep-alive reuse shows as opened < requests)."""

    def _open_session(self) -> aiohttp.ClientSession:
        connector = _CountingConnector(self._opened, limit=self.max_connections, limit_per_host=0,
                                       keepalive_timeout=KEEPALIVE_S, ssl=self._ssl if self._ssl is not None else False)
        self._session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=True,
            timeout=aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None),
            raise_for_status=False)
        return self._session

    def _opened(self) -> None:
        self.opened += 1
        if self._on_open is not None:
            self._on_open()

    def _url(self, url: str) -> URL:
        """The request URL, percent-encoded by yarl (a space or non-ASCII character never goes raw)."""
        target = self._urls.get(url)
        if target is None:
            target = self._urls[url] = URL(url)
        return target

    async def request(self, method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> Response:
        """Send one request to `url` (this origin) and read the whole response.

        A cancelled or failed exchange closes its connection; only a cleanly finished one is reused.
        """
        session = self._session or self._open_session()
        proxy = self.proxy
        extra: dict[str, object] = {}
        if proxy is not None:
            extra["proxy"] = proxy.url
            if proxy.authorization is not None:
                if self.tls:  # credentials on the CONNECT request only, never inside the tunnel
                    extra["proxy_headers"] = {"Proxy-Authorization": proxy.authorization}
                else:  # an absolute-form request to the proxy carries them itself
                    headers = {**headers, "Proxy-Authorization": proxy.authorization}
        try:
            resp = await session.request(method, self._url(url), headers=headers, data=body or None,
                                         allow_redirects=False, **extra)  # type: ignore[arg-type]
        except asyncio.TimeoutError:  # aiohttp's own timeouts are off; the caller's is classified as such
            raise
        except aiohttp.ClientError as exc:
            raise self._failure(exc) from exc
        try:
            data = await _read_body(resp)
        except BaseException as exc:
            resp.close()  # the connection is in an unknown state: never reuse it
            if isinstance(exc, aiohttp.ClientError):
                raise ResponseBroken(f"connection dropped mid-response ({_detail(exc)})") from exc
            raise
        return Response(resp.status, resp.reason or "", resp.headers, data)

    def _failure(self, exc: aiohttp.ClientError) -> TransportError:
        """Our error for an aiohttp exception raised before the body was read."""
        via = f" via proxy {self.proxy.display}" if self.proxy else ""
        if isinstance(exc, aiohttp.ClientConnectorCertificateError):
            cert = exc.certificate_error
            why = getattr(cert, "verify_message", None) or str(cert)
            return ConnectFailed(f"TLS certificate of {self.host} not trusted: certificate verify failed ({why}); "
                                 "for a private CA set SSL_CERT_FILE to its PEM file")
        if isinstance(exc, aiohttp.ClientHttpProxyError):
            return ConnectFailed(f"proxy {self.proxy.display if self.proxy else '?'} refused CONNECT to {self.host}: "
                                 f"HTTP {exc.status} {exc.message}")
        if isinstance(exc, aiohttp.ClientConnectorError):
            reason = exc.os_error.strerror or type(exc.os_error).__name__
            return ConnectFailed(f"cannot connect to {self.host}{via} ({type(exc).__name__}: {reason})")
        if isinstance(exc, aiohttp.ClientResponseError):  # the parser refused the response head or framing
            return ResponseBroken(f"not valid HTTP/1.x ({_detail(exc)})")
        if isinstance(exc, aiohttp.ServerDisconnectedError):
            return ResponseBroken("connection closed before a complete response head")
        return ResponseBroken(f"connection lost ({_detail(exc)})")

    async def aclose(self) -> None:
        """Close every connection (requests still in flight fail)."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def abandon(self) -> None:
        """Drop the pool of an event loop that has ended (call it from the new loop). Its connector is
        closed, not just dropped, so that aiohttp does not log 'Unclosed connector' when it is collected."""
        session, self._session = self._session, None
        if session is None:
            return
        connector = session.connector
        session.detach()
        if connector is not None:
            asyncio.ensure_future(_settle(connector.close()))


async def _settle(closing: Awaitable[None]) -> None:
    """Await an abandoned connector's close (a no-op once its loop is closed); it can fail only there."""
    try:
        await closing
    except Exception:  # noqa: BLE001 - its loop is gone; nothing is left to close
        pass


def _detail(exc: BaseException) -> str:
    """What an aiohttp exception says, short (the parser's messages quote the offending bytes)."""
    text = getattr(exc, "message", None) or str(exc)
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    text = " ".join(str(text).split())
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


async def _read_body(resp: aiohttp.ClientResponse) -> bytes:
    """The whole (decoded) body, refusing more than MAX_BODY_BYTES whether declared, streamed or inflated."""
    coding = resp.headers.get("Content-Encoding", "").strip().lower()
    if coding not in DECODED_CODINGS:
        raise ResponseBroken(f"unsupported content-encoding {coding[:40]!r}")
    if resp.content_length is not None and resp.content_length > MAX_BODY_BYTES:
        raise ResponseBroken(f"response body larger than {MAX_BODY_BYTES} bytes (declared {resp.content_length})")
    parts: list[bytes] = []
    received = 0
    while chunk := await resp.content.readany():
        received += len(chunk)
        if received > MAX_BODY_BYTES:
            raise ResponseBroken(f"{'decompressed ' if coding not in ('', 'identity') else ''}response body "
                                 f"larger than {MAX_BODY_BYTES} bytes")
        parts.append(chunk)
    resp.release()
    return parts[0] if len(parts) == 1 else b"".join(parts)
