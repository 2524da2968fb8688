"""An OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks (standard library only).

It serves `GET /v1/models` and `POST /v1/chat/completions` (or under another `prefix`), counts every request, records the
key header (so tests can check the key was *sent* and then grep files for it), and answers
through a `responder`: a function of the request that returns a `Reply` (text) or a `Fault`.
Faults cover what real endpoints do: 429 with Retry-After, 500, answers slower than the client's
timeout, a 200 with a malformed JSON body, a connection dropped before or in the middle of the
answer, and a redirect. Out-of-range scores are ordinary replies with bad content. It can answer
with chunked bodies (`chunked=True`), serve HTTPS (`tls=` a server SSLContext), and counts the TCP
connections it accepted (keep-alive reuse shows as fewer connections than requests).

    with FakeOpenAI(responder=judge_responder(score=4)) as srv:
        client = ChatClient(EndpointConfig(base_url=srv.base_url, model=srv.model))

This is a plain module (not a conftest plugin): tests import it, the benchmark imports it.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Literal

FaultKind = Literal["429", "500", "503", "408", "slow", "malformed", "drop", "truncate", "redirect", "400", "401",
                    "403", "404"]


@dataclass(frozen=True)
class Reply:
    """A normal chat completion whose message content is `text`."""

    text: str
    prompt_tokens: int = 10
    completion_tokens: int = 5


@dataclass(frozen=True)
class RawReply:
    """A 200 answer whose `choices[0].message` and `usage` are sent as given: hostile shapes (content
    null, a number, a list of parts; usage counts NaN or Infinity, which Python's JSON writes and reads)."""

    message: dict[str, Any]
    usage: dict[str, Any] = field(default_factory=lambda: {"prompt_tokens": 10, "completion_tokens": 5})
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Fault:
    """An injected failure for one request."""

    kind: FaultKind
    retry_after: float | None = None
    """Seconds sent in the Retry-After header (429/503)."""
    retry_after_ms: float | None = None
    """Milliseconds sent in the retry-after-ms header (OpenAI's own, more precise)."""
    delay_s: float = 0.0
    """For `slow`: how long to wait before answering (set it past the client's timeout)."""
    message: str = ""
    """Error message in the body (400/401/500); for `redirect`, the Location."""


@dataclass(frozen=True)
class Call:
    """What the responder sees about one chat request."""

    index: int
    """0-based order of arrival among chat requests."""
    attempt: int
    """1-based: how many times this exact body has arrived (retries of one request share a body)."""
    body: dict[str, Any]

    @property
    def text(self) -> str:
        """All text parts of all messages, joined (what a scripted verdict keys on)."""
        out = []
        for msg in self.body.get("messages", []):
            content = msg.get("content")
            if isinstance(content, str):
                out.append(content)
            elif isinstance(content, list):
                out.extend(p.get("text", "") for p in content if p.get("type") == "text")
        return "\n".join(out)

    @property
    def n_images(self) -> int:
        return sum(1 for msg in self.body.get("messages", []) if isinstance(msg.get("content"), list)
                   for p in msg["content"] if p.get("type") == "image_url")


Responder = Callable[[Call], "Reply | RawReply | Fault"]


def echo_responder(call: Call) -> Reply:
    """Inference-endpoint style: answer with the last user text (and how many images came with it)."""
    last = ""
    for msg in call.body.get("messages", []):
        if msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str):
                last = content
            elif isinstance(content, list):
                last = " ".join(p.get("text", "") for p in content if p.get("type") == "text")
    return Reply(f"ECHO[{call.n_images}]: {last}")


def request_schema(call: Call) -> dict[str, Any] | None:
    """The answer schema of a judge request: from response_format, else from the prompt's last JSON line."""
    rf = call.body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return rf["json_schema"]["schema"]
    for line in reversed(call.text.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def fill_schema(schema: dict[str, Any], score: Any, winner: str = "A") -> dict[str, Any]:
    """A minimal answer that matches the rubric's schema, with `score` (or `winner`) set as scripted."""
    out: dict[str, Any] = {}
    for name, sub in schema.get("properties", {}).items():
        typ = sub.get("type")
        if name == "score":
            out[name] = score
        elif name == "winner":
            out[name] = winner
        elif typ == "array":
            out[name] = []
        elif typ == "boolean":
            out[name] = True
        elif typ == "integer":
            out[name] = 1
        else:
            out[name] = "scripted evidence"
    return out


def verdict_json(score: Any, evidence: str = "scripted evidence", **extra: Any) -> str:
    """A cultural-depth style answer (evidence first, then score); `extra` overrides fields."""
    return json.dumps({"entities": [], "unsupported_claims": [], "evidence": evidence, **extra, "score": score},
                      ensure_ascii=False)


ScoreFn = Callable[[Call], Any]


def judge_responder(score: "Any | ScoreFn" = 4, winner: "str | Callable[[Call], str]" = "A") -> Responder:
    """Schema-valid judge answers: pointwise requests get `score`, pairwise ones `winner` (value or function)."""
    def respond(call: Call) -> Reply | Fault:
        schema = request_schema(call)
        if schema is None:
            return Reply("no schema found in the request")
        s = score(call) if callable(score) else score
        if isinstance(s, (Fault, Reply)):  # a scripted failure or a raw (possibly garbled) answer
            return s
        w = winner(call) if callable(winner) else winner
        return Reply(json.dumps(fill_schema(schema, s, w), ensure_ascii=False))
    return respond


def candidate_text(call: Call) -> str:
    """The candidate description inside a pointwise judge prompt (between the <<< >>> after its heading)."""
    text = call.text
    at = text.find("## Candidate description")
    if at < 0:
        return ""
    start = text.find("<<<\n", at) + 4
    return text[start:text.find("\n>>>", start)]


def marker_score(default: int = 3) -> ScoreFn:
    """Score = the digit after `SCORE=` in the candidate text, so tests script per-item verdicts."""
    def score(call: Call) -> int:
        m = re.search(r"SCORE=(\d+)", call.text)
        return int(m.group(1)) if m else default
    return score


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default (5) drops bursts of concurrent async clients
    daemon_threads = True
    owner: "FakeOpenAI"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; avoid the 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        self.server.owner._count("connections")  # one handler per connection, however many requests it carries

    # ------------------------------------------------------------ plumbing
    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        chunked = self.server.owner.chunked
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if chunked:  # uneven pieces, one with a chunk extension, then an empty trailer
                pieces = [body[:7], body[7:40], body[40:]]
                for i, piece in enumerate(p for p in pieces if p):
                    ext = ";note=x" if i == 1 else ""
                    self.wfile.write(f"{len(piece):x}{ext}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to do

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send_json(status, {"error": {"message": message, "type": "fake_error", "code": str(status)}}, headers)

    def _authorized(self) -> bool:
        owner = self.server.owner
        auth = self.headers.get(owner.key_header)
        owner._record_auth(auth, self.path, {k.lower(): v for k, v in self.headers.items()})
        expected = f"Bearer {owner.api_key}" if owner.key_header.lower() == "authorization" else owner.api_key
        if owner.api_key is not None and auth != expected:
            # Real servers sometimes echo the key they got; do the same so scrubbing is tested.
            self._error(401, f"Incorrect API key provided: {auth}")
            return False
        return True

    # ------------------------------------------------------------ routes
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        owner._count("models")
        if not self._authorized():
            return
        if self.path.split("?", 1)[0].rstrip("/") != f"{owner.prefix}/models":  # query parameters (api-version) are ignored
            self._error(404, f"no route {self.path}")
            return
        if not owner.serve_models:
            self._error(404, "this server has no /models route")
            return
        self._send_json(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in owner.models]})

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?", 1)[0].rstrip("/") != f"{owner.prefix}/chat/completions":
            self._error(404, f"no route {self.path}")
            return
        call = owner._register_chat(raw)
        try:
            self._chat(call)
        finally:
            owner._leave()

    def _chat(self, call: Call) -> None:
        owner = self.server.owner
        if not self._authorized():
            return
        body = call.body
        if body.get("model") not in owner.models:
            self._error(404, f"The model `{body.get('model')}` does not exist.")
            return
        rf = body.get("response_format")
        if rf and rf.get("type") == "json_schema" and not owner.json_schema_supported:
            self._error(400, "response_format of type json_schema is not supported by this server")
            return
        if owner.latency_s:
            time.sleep(owner.latency_s)
        out = owner.responder(call)
        if isinstance(out, Fault):
            self._fault(out)
            return
        if isinstance(out, RawReply):
            self._send_raw(200, json.dumps({  # allow_nan (the default): NaN goes out as the bare word NaN
                "id": f"chatcmpl-{call.index}", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"], "choices": [{"index": 0, "message": out.message,
                                                     "finish_reason": out.finish_reason}],
                "usage": out.usage}).encode())
            return
        self._send_json(200, {
            "id": f"chatcmpl-{call.index}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": out.text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": out.prompt_tokens, "completion_tokens": out.completion_tokens,
                      "total_tokens": out.prompt_tokens + out.completion_tokens},
        })

    def _fault(self, fault: Fault) -> None:
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = f"{fault.retry_after_ms:g}"
        if fault.kind in ("429", "500", "503", "408", "400", "401", "403", "404"):
            self._error(int(fault.kind), fault.message or f"injected {fault.kind}", headers)
        elif fault.kind == "slow":
            time.sleep(fault.delay_s)
            self._send_json(200, {"error": "too late"})
        elif fault.kind == "malformed":
            self._send_raw(200, b'{"id": "chatcmpl-x", "choices": [{"message": {"content": "tru')
        elif fault.kind == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
        elif fault.kind == "truncate":  # headers promise a whole answer, half of it arrives, then the connection ends
            body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "cut short"}}]}).encode()
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
        elif fault.kind == "redirect":
            self._error(307, "moved", {"Location": fault.message or "https://elsewhere.example/v1/chat/completions"})
        else:  # pragma: no cover - Literal guards this
            raise ValueError(fault.kind)


@dataclass
class FakeOpenAI:
    """Context manager running the fake server on a free 127.0.0.1 port in a daemon thread."""

    responder: Responder = echo_responder
    models: tuple[str, ...] = ("fake-judge",)
    api_key: str | None = None
    """When set, requests without `Authorization: Bearer <api_key>` (or `<key_header>: <api_key>`) get 401."""
    key_header: str = "Authorization"
    prefix: str = "/v1"
    """The API root's path: routes are {prefix}/models and {prefix}/chat/completions (Azure OpenAI:
    /openai/deployments/NAME, with no models route there)."""
    """The header the key must come in: Authorization (as Bearer) or, like Azure OpenAI, `api-key` (bare)."""
    latency_s: float = 0.0
    """Fixed delay before every chat answer (throughput benchmark)."""
    json_schema_supported: bool = True
    """False: a `json_schema` response_format is refused with 400 (like older servers)."""
    serve_models: bool = True
    chunked: bool = False
    """Answer with `Transfer-Encoding: chunked` bodies instead of Content-Length."""
    tls: ssl.SSLContext | None = None
    """A server-side SSLContext: serve HTTPS (base_url then starts with https://)."""
    counts: dict[str, int] = field(default_factory=lambda: {"models": 0, "chat": 0, "connections": 0})
    in_flight: int = 0
    max_in_flight: int = 0
    """Most chat requests being handled at once (checks a client's concurrency bound)."""
    auth_headers: list[str | None] = field(default_factory=list)
    """Values of the key header (`key_header`) as received, one per request."""
    request_headers: list[dict[str, str]] = field(default_factory=list)
    """Every header of every request (lower-case names), in the order of `auth_headers`."""
    paths: list[str] = field(default_factory=list)
    """Request targets as received (query included), in the order of `auth_headers`."""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    _seen: dict[bytes, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: _Server | None = None
    _thread: threading.Thread | None = None

    @property
    def model(self) -> str:
        return self.models[0]

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}{self.prefix}"

    @property
    def n_chat(self) -> int:
        return self.counts["chat"]

    @property
    def n_connections(self) -> int:
        """TCP connections accepted so far."""
        return self.counts["connections"]

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def _record_auth(self, auth: str | None, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.auth_headers.append(auth)
            self.paths.append(path)
            self.request_headers.append(headers)

    def _register_chat(self, raw: bytes) -> Call:
        with self._lock:
            index = self.counts["chat"]
            self.counts["chat"] += 1
            self._seen[raw] = attempt = self._seen.get(raw, 0) + 1
            body = json.loads(raw or b"{}")
            self.bodies.append(body)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return Call(index=index, attempt=attempt, body=body)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def reset_counts(self) -> None:
        with self._lock:
            self.counts = {"models": 0, "chat": 0, "connections": 0}
            self.max_in_flight = 0
            self.bodies.clear()
            self._seen.clear()

    def start(self) -> "FakeOpenAI":
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        if self.tls is not None:  # the handshake runs in accept(); a client that rejects the certificate fails alone
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _main() -> None:
    """`python -m tests.support.fake_openai --latency-ms 100`: serve judge verdicts until killed (prints the base URL).

    The throughput benchmark runs the server in its own process, as a real endpoint would be, so the
    server's Python work does not compete with the client for one interpreter lock.
    """
    import argparse
    import sys

    ap = argparse.ArgumentParser(description=_main.__doc__)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--score", type=int, default=4)
    args = ap.parse_args()
    srv = FakeOpenAI(responder=judge_responder(args.score), latency_s=args.latency_ms / 1000).start()
    print(srv.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
        sys.exit(0)


if __name__ == "__main__":
    _main()
