"""One async client for OpenAI-compatible chat endpoints (hosted APIs, vLLM, llama.cpp servers).

Used by the judge and by the `openai` inference backend. It sends its requests through
`mella_bench.endpoint.transport` (aiohttp): POST {base_url}/chat/completions with a JSON body and the key,
GET {base_url}/models for the start-up probe. Not through the openai SDK: the SDK's request stack
cost ~2 ms of CPU per judgment, which capped the judge at about half of its ideal throughput at 128
requests in flight (docs/api-client.md). The request body is the one the SDK would send; query
parameters in the base URL (`?api-version=...`) go with every request.

The retry policy is ours, bounded and measurable: exponential backoff with jitter, `Retry-After` /
`retry-after-ms` honoured on 429/5xx, retries on 429/5xx/408/timeouts/dropped connections/garbled
bodies, immediate failure on 400/401/403/404 and on redirects (not followed, so the key never goes
to another URL), and the temperature is never changed between tries (raising it on retry, as some
harnesses do, turns a flaky endpoint into a different judge). `timeout_s` bounds each attempt
whole: connecting, sending and reading the answer.

The API key is read from the environment variable the config names and sent only in one header:
`Authorization: Bearer KEY`, or `NAME: KEY` where the config names another header (`api-key` for
Azure OpenAI key auth). It is never stored on the config, never part of a repr, and scrubbed from
every error message. A user:password in the base URL is never sent (not as Basic auth either) nor
printed. The base URL defaults to $OPENAI_BASE_URL, else the OpenAI API (`default_base_url`), as the
openai SDK does.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Literal, Mapping, Sequence, TypeVar
from urllib.parse import urlencode, urlsplit

from mella_bench import __version__
from mella_bench.redact import redact_text, redact_url, split_query, url_secrets
from mella_bench.textsafe import loads_finite

if TYPE_CHECKING:  # the transport (aiohttp) is imported when a client first connects, not with this module
    from mella_bench.endpoint.transport import Response, Transport

T = TypeVar("T")

ErrorKind = Literal["rate_limit", "server", "timeout", "connection", "bad_response", "auth", "not_found",
                    "bad_request", "config"]
RETRYABLE: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "connection", "bad_response"})
"""Transient kinds; the others (wrong key, model, request) fail at once."""

PROBE_RETRIES = 1
"""Retries of the start-up probe; real requests use EndpointConfig.max_retries."""

_NO_KEY = "EMPTY"
"""Sent when the key variable is unset (self-hosted servers without auth accept anything)."""

OPENAI_API_URL = "https://api.openai.com/v1"
BEARER_HEADER = "Authorization"
"""The default key header: `Authorization: Bearer KEY`. Any other header name carries the bare key."""
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com")
"""Hosts of Azure OpenAI resources: a 401 there with a Bearer key hints at --api-key-header api-key."""
_RESERVED_HEADERS = frozenset({"host", "content-length", "content-type", "content-encoding", "transfer-encoding",
                               "connection", "keep-alive", "te", "trailer", "upgrade", "accept", "accept-encoding",
                               "user-agent", "cookie", "proxy-authorization", "expect"})
"""Headers the client sets itself (or must never carry a key): refused as --api-key-header."""


def default_base_url(environ: Mapping[str, str] | None = None) -> str:
    """The base URL when none is given: $OPENAI_BASE_URL, else the OpenAI API (what the openai SDK does)."""
    env = os.environ if environ is None else environ
    return (env.get("OPENAI_BASE_URL") or "").strip() or OPENAI_API_URL


def check_key_header(name: str) -> str:
    """`name` if it can carry the key as a header of its own; ValueError naming the rule otherwise."""
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"--api-key-header {name[:40]!r} is not a header name (letters, digits and -_.!#$%&'*+^`|~)")
    if name.lower() in _RESERVED_HEADERS:
        raise ValueError(f"--api-key-header {name!r} is a header the client sets itself; use Authorization "
                         "(Bearer, the default), api-key (Azure OpenAI) or the name your gateway documents")
    return name


class ApiError(Exception):
    """A request that failed for good (after retries, or at once when not retryable)."""

    def __init__(self, kind: ErrorKind, status: int | None, message: str, attempts: int = 1):
        self.kind = kind
        self.status = status
        self.message = message
        self.attempts = attempts
        super().__init__(f"{kind}{f' (HTTP {status})' if status else ''}: {message}"
                         + (f" [after {attempts} attempts]" if attempts > 1 else ""))

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class EndpointConfig:
    """Where and how to call; safe to write to run.json (it holds the key's variable name, never the key)."""

    base_url: str = field(repr=False)
    """e.g. https://api.openai.com/v1 or http://localhost:8000/v1 (vLLM). Not in the repr (it may carry
    credentials); `public_url` is what may be shown."""
    model: str
    api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable holding the key."""
    api_key_header: str = BEARER_HEADER
    """The header that carries the key: `Authorization` sends `Bearer KEY`; another name (`api-key`
    for Azure OpenAI key auth) sends the bare key in that header."""
    timeout_s: float = 60.0
    """Per attempt."""
    max_retries: int = 5
    """Retries after the first attempt (so at most max_retries + 1 requests per call)."""
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 120.0
    """Upper bound on a server's Retry-After we are willing to wait."""
    concurrency: int = 16
    """Requests in flight at once through one client."""
    token_param: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    """Some hosted reasoning models accept only `max_completion_tokens`."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"endpoint URL '{redact_url(self.base_url)}' must start with http:// or https:// "
                             "(e.g. http://127.0.0.1:8000/v1)")
        check_key_header(self.api_key_header)

    @property
    def public_url(self) -> str:
        """The base URL as it may be stored or printed (userinfo removed, query secrets masked)."""
        return redact_url(self.base_url)

    def describe(self) -> dict[str, Any]:
        """The identity-relevant settings (for run.json and signatures)."""
        out = {"base_url": self.public_url, "model": self.model, "api_key_env": self.api_key_env,
               "timeout_s": self.timeout_s, "max_retries": self.max_retries, "concurrency": self.concurrency}
        if self.api_key_header.lower() != BEARER_HEADER.lower():  # recorded where it differs from the default
            out["api_key_header"] = self.api_key_header
        return out


@dataclass(frozen=True)
class ChatReply:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    attempts: int = 1


@dataclass
class ClientStats:
    """What the client did, for progress lines and benchmarks."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    backoff_s: float = 0.0
    connections: int = 0
    """Connections opened; fewer than `requests` means keep-alive reuse."""


# ---------------------------------------------------------------- helpers

def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets, URL credentials and anything key-shaped from a server or SDK message."""
    return redact_text(text, [s for s in secrets if s and s != _NO_KEY])


def image_data_url(data: bytes) -> str:
    """Base64 data URL with the MIME type sniffed from the bytes (servers reject a wrong type)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        mime = "image/gif"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        mime = "image/webp"
    else:
        raise ValueError("image is not PNG, JPEG, GIF or WebP; convert it before sending it to an API")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with 'equal jitter': half fixed, half random, so bursts spread out."""
    raw = min(cap, base * (2 ** attempt))
    return raw / 2 + rng.uniform(0, raw / 2)


class _Failed(Exception):
    """One attempt's failure, already classified (and the server's Retry-After, if any)."""

    def __init__(self, error: ApiError, retry_after: float | None = None):
        self.error = error
        self.retry_after = retry_after


def _classify(exc: BaseException, secrets: Sequence[str]) -> ApiError:
    """Map an exception raised by one attempt to our ApiError (scrubbed)."""
    from mella_bench.endpoint.transport import TransportError

    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return ApiError("timeout", None, "request timed out")
    if isinstance(exc, TransportError):
        return ApiError("connection", None, scrub(f"connection failed: {exc}", secrets))
    if isinstance(exc, OSError):
        return ApiError("connection", None, scrub(f"connection failed ({type(exc).__name__})", secrets))
    if isinstance(exc, ValueError):  # garbled or truncated JSON body (JSONDecodeError, UnicodeDecodeError)
        return ApiError("bad_response", 200, scrub(f"unreadable response body ({type(exc).__name__})", secrets))
    return ApiError("connection", None, scrub(f"{type(exc).__name__}: {exc}", secrets))


def answer_text(message: dict[str, Any], finish_reason: Any = None) -> tuple[str | None, str | None]:
    """(the answer of `choices[0].message`, None) — its text, or the text parts of a list-of-parts
    content joined (a valid OpenAI shape) — or (None, what came instead): null, a number, an empty
    string, parts without text, a refusal. Such a reply is a recorded `bad_response` failure, never an
    empty answer scored as if the model had said nothing."""
    content = message.get("content")
    if isinstance(content, list):
        texts = [p.get("text") for p in content
                 if isinstance(p, dict) and p.get("type") in ("text", "output_text") and isinstance(p.get("text"), str)]
        if not texts:
            return None, "message.content is a list with no text part"
        content = "".join(texts)
    if isinstance(content, str) and content:
        return content, None
    refusal = message.get("refusal")
    why = (f"the model refused: {str(refusal)[:300]}" if isinstance(refusal, str) and refusal else
           "message.content is empty" if content == "" else
           "message.content is null" if content is None else
           f"message.content is {type(content).__name__} {str(content)[:40]!r}, not text")
    if isinstance(finish_reason, str) and finish_reason != "stop":
        why += f" (finish_reason {finish_reason})"
    return None, why


def token_count(value: Any) -> int | None:
    """A usage count as reported: a whole number, or None (absent, NaN, negative or not a number)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` (OpenAI's) or else `Retry-After`."""
    if headers.get("retry-after-ms"):
        try:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))


def _status_failure(resp: "Response", secrets: Sequence[str]) -> _Failed:
    """A non-2xx answer as a classified failure: 429 rate_limit, 5xx/408 server, 401/403 auth, 404
    not_found, 3xx config (redirects are not followed), any other status bad_request."""
    status = resp.status
    msg = scrub(_status_message(resp), secrets)
    kind: ErrorKind
    if status == 429:
        kind = "rate_limit"
    elif status >= 500 or status == 408:
        kind = "server"
    elif status in (401, 403):
        kind = "auth"
    elif status == 404:
        kind = "not_found"
    elif 300 <= status < 400:
        kind = "config"
        where = redact_url(resp.headers.get("location", "")) or "another URL"
        msg = scrub(f"the server redirects to {where}; use that URL as the base URL (redirects are not followed, "
                    "so the key never travels to another address)", secrets)
    else:
        kind = "bad_request"
    return _Failed(ApiError(kind, status, msg), _retry_after(resp.headers))


def _status_message(resp: "Response") -> str:
    """The server's own words: `error.message` / `message` / `detail` of a JSON body, else its text."""
    try:
        body = json.loads(resp.body)
    except ValueError:
        body = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:500]
        if isinstance(inner, str) and inner:
            return inner[:500]
        for name in ("message", "detail"):
            if body.get(name):
                return str(body[name])[:500]
    text = resp.body.decode("utf-8", "replace").strip()
    if not text or text.lstrip()[:1] == "<":  # empty, or an HTML error page from a proxy
        return f"HTTP {resp.status} {resp.reason}".strip()
    return text[:500]


if sys.version_info >= (3, 11):
    async def _within(seconds: float, aw: Awaitable[T]) -> T:
        async with asyncio.timeout(seconds):  # cheaper than wait_for, which wraps `aw` in a new task
            return await aw
else:  # pragma: no cover - Python 3.10
    async def _within(seconds: float, aw: Awaitable[T]) -> T:
        return await asyncio.wait_for(aw, seconds)


@dataclass
class _Endpoint:
    """The connection pool and the fixed parts of every request, built once per event loop."""

    transport: "Transport"
    chat_url: str
    models_url: str
    post_headers: dict[str, str]
    get_headers: dict[str, str]


# ---------------------------------------------------------------- client

class ChatClient:
    """Async chat client bound to one endpoint and model. Use `async with`, or call `aclose()`."""

    def __init__(self, config: EndpointConfig, *, seed: int = 0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.config = config
        self.stats = ClientStats()
        self._rng = random.Random(seed)
        self._sleep = sleep
        self._key_present = bool(os.environ.get(config.api_key_env))
        self._ep: _Endpoint | None = None
        self._sem: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"ChatClient(model={self.config.model!r}, base_url={self.config.public_url!r}, key_env={self.config.api_key_env!r})"

    def _secrets(self) -> list[str]:
        key = os.environ.get(self.config.api_key_env, "")
        return ([key] if key else []) + url_secrets(self.config.base_url)

    def _endpoint(self) -> _Endpoint:
        """This event loop's pool (connections belong to the loop that opened them) and request parts."""
        loop = asyncio.get_running_loop()
        if self._ep is None or self._loop is not loop:
            if self._ep is not None:
                self._ep.transport.abandon()
                self._ep = None
            self._ep = self._build_endpoint()
            self._loop = loop
            self._sem = asyncio.Semaphore(self.config.concurrency)
        return self._ep

    def _build_endpoint(self) -> _Endpoint:
        from mella_bench.endpoint.transport import Transport

        cfg = self.config
        base_url, query = split_query(cfg.base_url)  # userinfo is never sent (the key goes in its header)
        key = (os.environ.get(cfg.api_key_env) or _NO_KEY).strip()
        if not all(0x21 <= ord(ch) < 0x7F for ch in key):  # a header injection, or a key cut short with "…"
            raise ApiError("config", None, f"the key in ${cfg.api_key_env} contains spaces, control or non-ASCII "
                           "characters; export the whole key as the provider shows it")
        try:
            transport = Transport(base_url, max_connections=cfg.concurrency, on_open=self._opened)
        except ValueError as exc:  # no host in the URL, or an unsupported proxy setting
            raise ApiError("config", None, scrub(f"{cfg.public_url}: {exc}", self._secrets())) from None
        root = base_url.rstrip("/")
        qs = f"?{urlencode(query)}" if query else ""
        auth = (f"Bearer {key}" if cfg.api_key_header.lower() == BEARER_HEADER.lower() else key)
        get = {cfg.api_key_header: auth, "Accept": "application/json", "User-Agent": f"mella-bench/{__version__}"}
        return _Endpoint(transport=transport, chat_url=f"{root}/chat/completions{qs}", models_url=f"{root}/models{qs}",
                         post_headers={**get, "Content-Type": "application/json"}, get_headers=get)

    def _opened(self) -> None:
        self.stats.connections += 1

    async def aclose(self) -> None:
        if self._ep is not None:
            ep, self._ep = self._ep, None
            await ep.transport.aclose()

    async def __aenter__(self) -> "ChatClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _auth_hint(self, err: ApiError) -> ApiError:
        if err.kind != "auth":
            return err
        cfg = self.config
        where = (f"the key in ${cfg.api_key_env}" if self._key_present else f"no key (${cfg.api_key_env} is not set)")
        hint = ""
        host = (urlsplit(cfg.public_url).hostname or "").lower()
        if cfg.api_key_header.lower() == BEARER_HEADER.lower() and host.endswith(_AZURE_HOSTS):
            hint = " Azure OpenAI key auth needs --api-key-header api-key (the key then goes as `api-key: KEY`)."
        return ApiError("auth", err.status, f"{cfg.public_url} rejected {where} (sent as {cfg.api_key_header}): "
                        f"{err.message}. Export the key in ${cfg.api_key_env} or name another variable with "
                        f"--api-key-env.{hint}", err.attempts)

    async def _request(self, ep: _Endpoint, method: str, url: str, body: bytes = b"") -> Any:
        """One attempt: the parsed JSON of a 2xx answer, within `timeout_s` for the whole exchange."""
        headers = ep.post_headers if body else ep.get_headers
        resp = await _within(self.config.timeout_s, ep.transport.request(method, url, headers, body))
        if not 200 <= resp.status < 300:
            raise _status_failure(resp, self._secrets())
        return loads_finite(resp.body)  # ValueError when garbled: bad_response; NaN/Infinity read as absent

    async def _with_retries(self, call: Callable[[_Endpoint], Awaitable[T]],
                            max_retries: int | None = None) -> tuple[T, int]:
        """Run `call` until success or a non-retryable error / exhausted retries; never alters the request."""
        cfg = self.config
        max_retries = cfg.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            ep = self._endpoint()
            assert self._sem is not None
            async with self._sem:
                self.stats.requests += 1
                retry_after: float | None = None
                try:
                    return await call(ep), attempt + 1
                except _Failed as failed:
                    err, retry_after = failed.error, failed.retry_after
                except Exception as exc:  # every failure of an attempt is classified
                    err = _classify(exc, self._secrets())
            self.stats.errors[err.kind] = self.stats.errors.get(err.kind, 0) + 1
            if not err.retryable or attempt >= max_retries:
                self.stats.failures += 1
                raise self._auth_hint(ApiError(err.kind, err.status, err.message, attempt + 1)) from None
            delay = backoff_delay(attempt, cfg.backoff_base_s, cfg.backoff_max_s, self._rng)
            if retry_after is not None and err.kind in ("rate_limit", "server"):
                delay = max(delay, min(retry_after, cfg.max_retry_after_s))
            self.stats.retries += 1
            self.stats.backoff_s += delay
            await self._sleep(delay)
            attempt += 1

    async def chat(self, messages: list[dict[str, Any]], *, max_tokens: int, temperature: float = 0.0,
                   stop: Sequence[str] | None = None, response_format: dict[str, Any] | None = None) -> ChatReply:
        """One chat completion; raises ApiError with a scrubbed message when it fails for good."""
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages, "temperature": temperature,
                                  self.config.token_param: max_tokens}
        if stop:
            kwargs["stop"] = list(stop)
        if response_format is not None:
            kwargs["response_format"] = response_format

        body = json.dumps(kwargs, ensure_ascii=False).encode()  # once, not per retry

        async def once(ep: _Endpoint) -> dict[str, Any]:
            resp = await self._request(ep, "POST", ep.chat_url, body)
            if not isinstance(resp, dict) or not isinstance(resp.get("choices"), list) or not resp["choices"] or \
                    not isinstance(resp["choices"][0], dict) or not isinstance(resp["choices"][0].get("message"), dict):
                raise ValueError("response has no choices[0].message")
            return resp

        resp, attempts = await self._with_retries(once)
        choice = resp["choices"][0]
        text, why = answer_text(choice["message"], choice.get("finish_reason"))
        if text is None:  # a reply without usable text is this request's failure (not retried: it was answered)
            raise ApiError("bad_response", 200, self.scrub(why or "no answer text"), attempts)
        usage = resp.get("usage") if isinstance(resp.get("usage"), dict) else {}
        return ChatReply(text=text, prompt_tokens=token_count(usage.get("prompt_tokens")),
                         completion_tokens=token_count(usage.get("completion_tokens")), attempts=attempts)

    def scrub(self, text: str) -> str:
        """`text` with this endpoint's key removed (for messages built outside the client)."""
        return scrub(text, self._secrets())

    async def probe(self) -> dict[str, Any] | None:
        """Fail fast on a wrong URL, key or model before any real work starts.

        Lists the served models and returns the model's `/models` entry; where the server has no
        /models route, sends a 1-token chat instead and returns None.
        """
        try:  # one retry only: a wrong URL must fail in a second or two, not after the full backoff (~25 s)
            page, _ = await self._with_retries(lambda ep: self._request(ep, "GET", ep.models_url),
                                               max_retries=min(PROBE_RETRIES, self.config.max_retries))
        except ApiError as err:
            if err.kind == "connection" or err.kind == "timeout":
                raise ApiError(err.kind, None, f"cannot reach {self.config.public_url} ({err.message}); "
                               "check --judge-base-url / the server", err.attempts) from None
            if err.kind == "bad_response":
                raise ApiError(err.kind, err.status, f"{self.config.public_url}/models did not answer with JSON; "
                               "check the base URL (the API root, usually ending in /v1)", err.attempts) from None
            if err.kind != "not_found":
                raise
            await self.chat([{"role": "user", "content": "ping"}], max_tokens=1)
            return None
        data = page.get("data") if isinstance(page, dict) else None
        entries = [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)] \
            if isinstance(data, list) else []
        served = [m["id"] for m in entries]
        if served and self.config.model not in served:
            shown = ", ".join(served[:10]) + (" ..." if len(served) > 10 else "")
            raise ApiError("not_found", 404, f"model '{self.config.model}' is not served at "
                           f"{self.config.public_url}; it serves: {shown}")
        for m in entries:
            if m["id"] == self.config.model:
                return dict(m)
        return None


async def run_all(factories: Sequence[Callable[[], Awaitable[T]]], concurrency: int,
                  progress: Callable[[int], None] | None = None) -> list[T]:
    """Await every factory's coroutine with at most `concurrency` alive; results in input order.

    Factories (not coroutines) so that no coroutine object exists before its slot opens.
    """
    sem = asyncio.Semaphore(max(1, concurrency))
    out: list[Any] = [None] * len(factories)

    async def one(i: int, make: Callable[[], Awaitable[T]]) -> None:
        async with sem:
            out[i] = await make()
        if progress is not None:
            progress(1)

    await asyncio.gather(*(one(i, f) for i, f in enumerate(factories)))
    return out
