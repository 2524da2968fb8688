"""Replay backend: answers with a text the item itself carries, never with a model.

- `reference:thick` (= `references[0]`) is the sanity oracle: identical text must score 100 on
  every n-gram metric.
- `reference:thin` replays the generic `thin` description: the thin baseline (know items only;
  items without one fail with a reason, like any backend error).
- `reference:shuffled` replays the reference of the next item of the same task: fluent, in the
  right language, but about another image — a "blind" baseline.
- `reference:half` replays the first half of the reference (whitespace-separated words; characters
  for text written without spaces, like Thai): an answer that stops early, naming some of the
  keywords and matching part of the n-grams. Its scores lie strictly between the thin and thick
  ones, which is what makes the committed tables a sensitive check of the metric definitions.
- Per-axis mixes, e.g. `reference:know=thick,ling=shuffled`, answer each axis from a different
  field. They stand in for training arms (culture-only, linguistics-only) in the committed
  example ablation; they are replay baselines, not trained models.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mella_bench.inference.backends.base import Request, Result

FIELDS = {"thick": "references[0]", "references[0]": "references[0]", "thin": "thin", "shuffled": "shuffled",
          "half": "half"}
_AXES = ("know", "ling")


def parse_fields(spec: str) -> dict[str, str]:
    """`thick` → same field on both axes; `know=thick,ling=shuffled` → one field per axis."""
    if "=" not in spec:
        if spec not in FIELDS:
            raise ValueError(f"reference backend replays one of {sorted(FIELDS)}; got '{spec}'")
        return {axis: FIELDS[spec] for axis in _AXES}
    out: dict[str, str] = {}
    for part in spec.split(","):
        axis, _, name = part.partition("=")
        if axis not in _AXES or name not in FIELDS:
            raise ValueError(f"bad reference mix '{spec}': use AXIS=FIELD pairs, AXIS in {_AXES}, "
                             f"FIELD in {sorted(FIELDS)} (e.g. know=thick,ling=shuffled)")
        out[axis] = FIELDS[name]
    missing = [a for a in _AXES if a not in out]
    if missing:
        raise ValueError(f"reference mix '{spec}' does not say what to replay on {missing}")
    return out


class ReferenceBackend:
    name = "reference"

    def __init__(self, model: str = "thick", replay: dict[tuple[str, str], dict[str, str]] | None = None, **_: Any):
        self.fields = parse_fields(model)
        self.replay = dict(replay or {})
        """(task, item id) → replayable texts, given once at construction (never in a Request)."""

    def fingerprint(self) -> dict[str, Any]:
        ident = ",".join(f"{a}={f}" for a, f in sorted(self.fields.items()))
        return {"backend": "reference", "fields": dict(self.fields),
                "hash": hashlib.sha256(f"reference:{ident}".encode()).hexdigest()[:16]}

    def generate(self, requests: list[Request]) -> list[Result]:
        out = []
        for req in requests:
            field = self.fields[req.axis]
            text = self.replay.get((req.task, req.item_id), {}).get(field)
            if text is None:
                out.append(Result.failed(req.key, f"item {req.item_id} has no '{field}' field to replay"))
            else:
                out.append(Result(key=req.key, status="ok", text=text))
        return out

    def close(self) -> None:
        pass
