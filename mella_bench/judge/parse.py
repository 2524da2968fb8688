"""Strict parsing of judge answers: one JSON object that matches the rubric's schema, or a typed failure.

No regex fishing for the first number in the text (anchors.md §c: "0 (see item 1)" parsed as 1). The
only leniency is one surrounding Markdown code fence, which some servers add even in JSON mode.
A failure is a status with a reason, never a score of 0 or -1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from mella_bench.judge.rubric import Rubric
from mella_bench.textsafe import loads_finite

PARSER_VERSION = 1
"""Bump when parsing or cap logic changes; it is part of every judgment's cache key."""

JudgmentStatus = Literal["ok", "api_error", "parse_error", "invalid_score"]


@dataclass(frozen=True)
class Verdict:
    """A parsed pointwise answer, or why it could not be used."""

    status: JudgmentStatus
    score: int | None = None
    """Final 1–5 score after caps (None unless status is ok)."""
    raw_score: int | None = None
    """Score the judge wrote, before caps."""
    cap_reason: str | None = None
    evidence: str | None = None
    fields: Mapping[str, Any] | None = None
    """The whole parsed answer."""
    reason: str | None = None


def _strip_fence(text: str) -> str:
    t = text.strip()
    if t.startswith("```") and t.endswith("```") and t.count("```") == 2:
        t = t[3:-3]
        if t.lower().startswith("json"):
            t = t[4:]
    return t.strip()


def schema_errors(value: Any, schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Validate the JSON-schema subset the rubrics use (object/array/string/integer/number/boolean, enum,
    required, additionalProperties: false, minimum/maximum)."""
    typ = schema.get("type")
    checks = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
              "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
    if typ in checks and not checks[typ](value):
        return [f"{path}: expected {typ}, got {type(value).__name__}"]
    errs: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{path}: {value!r} not one of {schema['enum']}")
    if typ in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"] or "maximum" in schema and value > schema["maximum"]:
            errs.append(f"{path}: {value} outside [{schema.get('minimum')}, {schema.get('maximum')}]")
    if typ == "object":
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errs.append(f"{path}: missing '{key}'")
        if schema.get("additionalProperties") is False:
            errs.extend(f"{path}: unexpected '{k}'" for k in value if k not in props)
        for k, sub in props.items():
            if k in value:
                errs.extend(schema_errors(value[k], sub, f"{path}.{k}"))
    if typ == "array" and "items" in schema:
        for i, el in enumerate(value):
            errs.extend(schema_errors(el, schema["items"], f"{path}[{i}]"))
    return errs


def _load_object(text: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        obj = loads_finite(_strip_fence(text))  # NaN in a field: absent, never an unstorable judgment
    except json.JSONDecodeError as exc:
        return None, f"answer is not JSON ({exc.msg} at char {exc.pos})"
    if not isinstance(obj, dict):
        return None, f"answer is JSON {type(obj).__name__}, not an object"
    return obj, None


def parse_verdict(text: str, rubric: Rubric) -> Verdict:
    """Pointwise answer → Verdict with the rubric's caps applied."""
    obj, why = _load_object(text)
    if obj is None:
        return Verdict("parse_error", reason=why)
    score = obj.get("score")
    if "score" in obj and not (isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5):
        return Verdict("invalid_score", reason=f"score {score!r} is not an integer from 1 to 5", fields=obj)
    errors = schema_errors(obj, rubric.output_schema)
    if errors:
        return Verdict("parse_error", reason="answer does not match the schema: " + "; ".join(errors[:5]), fields=obj)
    final, cap_reason = score, None
    for cap in rubric.caps:
        if cap.triggered(obj) and final > cap.max:
            final, cap_reason = cap.max, f"capped at {cap.max}: {cap.reason}"
    return Verdict("ok", score=final, raw_score=score, cap_reason=cap_reason,
                   evidence=str(obj.get("evidence", "")), fields=obj)


@dataclass(frozen=True)
class PairVerdict:
    status: JudgmentStatus
    winner: Literal["A", "B", "tie"] | None = None
    evidence: str | None = None
    reason: str | None = None


def parse_pairwise(text: str, schema: Mapping[str, Any]) -> PairVerdict:
    obj, why = _load_object(text)
    if obj is None:
        return PairVerdict("parse_error", reason=why)
    errors = schema_errors(obj, schema)
    if errors:
        return PairVerdict("parse_error", reason="answer does not match the schema: " + "; ".join(errors[:5]))
    return PairVerdict("ok", winner=obj["winner"], evidence=obj["evidence"])
