"""Any OpenAI-compatible chat endpoint: a vLLM or SGLang server, or a hosted API.

Built on the shared `mella_bench.endpoint.apiclient.ChatClient` (the judge uses the same one), so retries
with backoff, Retry-After, bounded concurrency and key scrubbing are implemented once. The key is
read from the environment variable named by `api_key_env`; only that name is recorded. Without
`base_url` the endpoint is $OPENAI_BASE_URL, else the OpenAI API, as for the judge and the openai SDK.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mella_bench.endpoint.apiclient import BEARER_HEADER, ApiError, ChatClient, EndpointConfig, default_base_url, run_all
from mella_bench.inference.backends.base import Request, Result
from mella_bench.inference.backends.base import cut_at_stop
from mella_bench.inference.backends.chat import chat_messages
from mella_bench.redact import redact_url

_STABLE_MODEL_FIELDS = ("id", "owned_by", "root", "parent", "max_model_len")
"""Fields of a /v1/models entry that identify the weights; `created` is the request time on vLLM servers."""


def public_url(url: str) -> str:
    """The base URL without user:password, query or fragment (safe for run.json and cache keys)."""
    parts = urlsplit(redact_url(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


class OpenAIBackend:
    name = "openai"

    def __init__(self, model: str, *, base_url: str | None = None, api_key_env: str = "OPENAI_API_KEY",
                 api_key_header: str = BEARER_HEADER, concurrency: int = 8, timeout_s: float = 120.0,
                 max_retries: int = 5, backoff_base_s: float = 1.0, **_: Any):
        if concurrency < 1:
            raise ValueError(f"--concurrency must be at least 1, got {concurrency}")
        self.config = EndpointConfig(base_url=base_url or default_base_url(), model=model, api_key_env=api_key_env,
                                     api_key_header=api_key_header, timeout_s=timeout_s, max_retries=max_retries,
                                     backoff_base_s=backoff_base_s, concurrency=concurrency)
        self.client = ChatClient(self.config)
        self._loop = asyncio.new_event_loop()  # one loop for the backend's life: its connections are bound to it
        self._served: dict[str, Any] | None = None

    def _run(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    async def _model_entry(self) -> dict[str, Any] | None:
        """Fail fast on a wrong URL, key or model; keep the stable fields /v1/models reports for it."""
        data = await self.client.probe()
        if data is None:
            return None
        return {k: data[k] for k in _STABLE_MODEL_FIELDS if data.get(k) is not None}

    def fingerprint(self) -> dict[str, Any]:
        if self._served is None:
            try:
                self._served = self._run(self._model_entry()) or {}
            except ApiError as err:  # already scrubbed of the key
                if err.kind in ("connection", "timeout"):
                    raise RuntimeError(f"openai backend: cannot reach {public_url(self.config.base_url)} ({err.kind}); "
                                       "check --base-url and that the server is up") from None
                raise RuntimeError(f"openai backend: {err}") from None
        return {"backend": "openai", "base_url": public_url(self.config.base_url), "model": self.config.model,
                "served": self._served or None}

    async def _one(self, req: Request) -> Result:
        gen = req.generation
        try:
            messages = chat_messages(req)
        except ValueError as exc:
            return Result.failed(req.key, f"bad input: {exc}")
        try:
            reply = await self.client.chat(messages, max_tokens=gen.max_new_tokens, temperature=gen.temperature,
                                           stop=list(gen.stop) or None)
        except ApiError as err:
            return Result.failed(req.key, f"openai: {err}")
        except Exception as exc:  # noqa: BLE001 - anything else is this item's failure, never the run's
            return Result.failed(req.key, self.client.scrub(f"openai: {type(exc).__name__}: {exc}")[:500])
        return Result(key=req.key, status="ok", text=cut_at_stop(reply.text, gen.stop),
                      prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens)

    def generate(self, requests: list[Request]) -> list[Result]:
        factories = [lambda r=r: self._one(r) for r in requests]
        return list(self._run(run_all(factories, self.config.concurrency)))

    def close(self) -> None:
        if not self._loop.is_closed():
            self._run(self.client.aclose())
            self._loop.close()
