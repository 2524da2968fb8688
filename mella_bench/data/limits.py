"""Input bounds: one oversized item must fail alone, never take the run or its scoring down.

A decompression-bomb image, a multi-megabyte reference (METEOR's JVM runs out of memory on it) or a
runaway model answer are each limited by a named setting. `data validate` reports every item over a
limit with its file and line; `run` and `score` mark such an item `error`/`failed` with the reason and
carry on with the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mella_bench.textsafe import unpaired_surrogate


@dataclass(frozen=True)
class Limits:
    max_image_pixels: int = 40_000_000
    """Width × height of one image (40 MP; a 20000×20000 'bomb' is 400 MP). Below Pillow's own warning
    threshold (~89 MP), so Pillow never prints its DecompressionBombWarning for an accepted image."""
    max_reference_chars: int = 20_000
    """Characters of one reference, keyword list entry or thin text (MELLA captions are < 2000)."""
    max_answer_chars: int = 50_000
    """Characters of one model answer; a longer one is stored as a failure, not scored."""

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a positive whole number, got {value!r}")

    def answer_problem(self, text: str) -> str | None:
        """Why a model answer cannot be kept as one (over `max_answer_chars`, or not Unicode text), or
        None. `run` and both importers apply it, so an oversized answer fails alone wherever it came from."""
        if len(text) > self.max_answer_chars:
            return (f"answer is {len(text):,} characters, over the limit of {self.max_answer_chars:,} "
                    "(max_answer_chars)")
        why = unpaired_surrogate(text)
        return f"bad_response: the answer {why}" if why else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any] | None) -> "Limits":
        known = set(Limits.__dataclass_fields__)
        return Limits(**{k: v for k, v in (data or {}).items() if k in known})


DEFAULT_LIMITS = Limits()
