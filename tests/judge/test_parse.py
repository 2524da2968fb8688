"""Strict answer parsing: valid JSON per schema or a typed failure; caps enforced in code."""

from __future__ import annotations

import json

import pytest

from mella_bench.judge.parse import parse_pairwise, parse_verdict, schema_errors
from mella_bench.judge.rubric import get_rubric

CD = get_rubric("cultural_depth")


def cd(score, claims=(), **kw) -> str:
    return json.dumps({"entities": [{"entity": "phở", "cue": "bowl", "supported": True}],
                       "unsupported_claims": [{"claim": c, "hedged": h} for c, h in claims],
                       "evidence": "names phở", "score": score, **kw})


def test_valid_answer() -> None:
    v = parse_verdict(cd(4), CD)
    assert (v.status, v.score, v.raw_score, v.cap_reason) == ("ok", 4, 4, None)
    assert v.evidence == "names phở" and v.fields["entities"][0]["entity"] == "phở"


def test_code_fence_tolerated_but_nothing_else() -> None:
    assert parse_verdict("```json\n" + cd(3) + "\n```", CD).score == 3
    assert parse_verdict("Sure! " + cd(3), CD).status == "parse_error"
    assert parse_verdict("4", CD).status == "parse_error"
    assert parse_verdict("0 (see item 1)", CD).status == "parse_error"


@pytest.mark.parametrize("score", [0, 6, 9, -1, 3.5, "4", True, None])
def test_out_of_range_or_mistyped_score(score) -> None:
    v = parse_verdict(cd(score), CD)
    assert v.status == "invalid_score" and v.score is None and repr(score) in v.reason


def test_schema_mismatch_is_parse_error() -> None:
    obj = json.loads(cd(4))
    del obj["evidence"]
    v = parse_verdict(json.dumps(obj), CD)
    assert v.status == "parse_error" and "missing 'evidence'" in v.reason
    v = parse_verdict(cd(4, surprise=1), CD)
    assert v.status == "parse_error" and "unexpected 'surprise'" in v.reason


def test_caps_for_invented_cultural_claims() -> None:
    v = parse_verdict(cd(5, claims=[("it is Tết", False)]), CD)
    assert (v.status, v.score, v.raw_score) == ("ok", 2, 5) and "capped at 2" in v.cap_reason
    v = parse_verdict(cd(5, claims=[("perhaps Huế", True)]), CD)
    assert (v.score, v.raw_score) == (3, 5)
    v = parse_verdict(cd(2, claims=[("it is Tết", False)]), CD)
    assert (v.score, v.cap_reason) == (2, None)  # already under the cap


def test_fluency_wrong_language_caps_at_1() -> None:
    lf = get_rubric("linguistic_fluency")
    ans = {"target_language": False, "errors": [], "evidence": "English text", "score": 4}
    v = parse_verdict(json.dumps(ans), lf)
    assert (v.score, v.raw_score) == (1, 4)
    ans["target_language"] = True
    assert parse_verdict(json.dumps(ans), lf).score == 4


def test_schema_errors_subset() -> None:
    schema = {"type": "object", "additionalProperties": False, "required": ["a", "b"],
              "properties": {"a": {"type": "array", "items": {"type": "string", "enum": ["x"]}},
                             "b": {"type": "integer", "minimum": 1, "maximum": 5}}}
    assert schema_errors({"a": ["x"], "b": 3}, schema) == []
    errs = schema_errors({"a": ["y", 1], "b": 7}, schema)
    assert len(errs) == 3 and any("$.a[1]: expected string" in e for e in errs)


def test_pairwise_parse() -> None:
    schema = CD.template["pairwise_schema"]
    assert parse_pairwise('{"evidence": "A names phở", "winner": "A"}', schema).winner == "A"
    assert parse_pairwise('{"evidence": "x", "winner": "C"}', schema).status == "parse_error"
    assert parse_pairwise('winner: A', schema).status == "parse_error"
