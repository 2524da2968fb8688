"""The one inference contract: `Backend.generate(list[Request]) -> list[Result]`, results in input order.

Failures are `Result(status="error")` with a message; they are never text that could be scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from mella_bench.data.tasks import GenerationConfig

ResultStatus = Literal["ok", "error"]


@dataclass(frozen=True)
class Request:
    """One image + instruction to answer. It never carries gold answers: only the replay backend gets
    them, once, when it is built (`make_backend(spec, replay=...)`)."""

    key: str
    """Cache key of the prediction this request produces (unique within a call)."""
    item_id: str
    task: str
    axis: str
    """`know` or `ling` (lets a replay backend answer each axis differently)."""
    prompt: str
    image: bytes = field(repr=False)
    """Encoded image (PNG/JPEG bytes); backends decode it as they need."""
    generation: GenerationConfig = field(default_factory=GenerationConfig)


@dataclass(frozen=True)
class Result:
    """What came back for one request."""

    key: str
    status: ResultStatus
    text: str = ""
    """The answer; empty when status is `error`."""
    error: str | None = None
    """Why it failed (status `error` only); never contains secrets."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @staticmethod
    def failed(key: str, error: str) -> "Result":
        return Result(key=key, status="error", error=error)


def cut_at_stop(text: str, stop: tuple[str, ...] | list[str]) -> str:
    """Text up to the first stop string. Engines stop there already; this guarantees it for any engine."""
    return text[:min((i for s in stop if s and (i := text.find(s)) >= 0), default=len(text))]


@runtime_checkable
class Backend(Protocol):
    """A model that answers requests. Implementations are imported lazily through the registry."""

    name: str

    def fingerprint(self) -> dict[str, Any]:
        """Identity of the model for cache keys and run.json (config hash, weights hash, ...)."""
        ...

    def generate(self, requests: list[Request]) -> list[Result]:
        """Answer every request; one Result per request, same order; never raise per-item errors."""
        ...

    def close(self) -> None:
        ...
