"""Replay backend: answers with a field of the item itself.

`reference:thick` (= `references[0]`) is the sanity oracle: identical text must score 100 on every
n-gram metric. `reference:thin` replays the generic `thin` description: the thin baseline.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mella_bench.backends.base import Request, Result

FIELDS = {"thick": "references[0]", "references[0]": "references[0]", "thin": "thin"}


class ReferenceBackend:
    name = "reference"

    def __init__(self, model: str = "thick", **_: Any):
        if model not in FIELDS:
            raise ValueError(f"reference backend replays one of {sorted(FIELDS)}; got '{model}'")
        self.field = FIELDS[model]

    def fingerprint(self) -> dict[str, Any]:
        return {"backend": "reference", "field": self.field,
                "hash": hashlib.sha256(f"reference:{self.field}".encode()).hexdigest()[:16]}

    def generate(self, requests: list[Request]) -> list[Result]:
        out = []
        for req in requests:
            text = req.reference_fields.get(self.field)
            if text is None:
                out.append(Result.failed(req.key, f"item {req.item_id} has no '{self.field}' field to replay"))
            else:
                out.append(Result(key=req.key, status="ok", text=text))
        return out

    def close(self) -> None:
        pass
