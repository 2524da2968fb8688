"""A small judged run (reference backend + the fake judge server) for the viewer and `show` tests."""

from __future__ import annotations

import json
from pathlib import Path

from mella_bench.endpoint.apiclient import EndpointConfig
from mella_bench.judge import JudgeConfig, judge_run
from mella_bench.judge import judge_rows
from mella_bench.metrics.score import score_run
from tests.support.fake_openai import Call, FakeOpenAI, Reply, fill_schema, request_schema
from tests.judge.conftest import KEY_ENV, make_run

ENTITY = {"entity": "كسكس", "cue": "yellow grains on the blue plate", "supported": True}
CLAIM = {"claim": "served at a wedding in Fes", "hedged": False}
RATIONALE = "Names couscous and a tagine correctly, but places the meal at a wedding the image does not show."


def responder(call: Call) -> Reply:
    schema = request_schema(call) or {}
    if "entities" in schema.get("properties", {}):
        return Reply(json.dumps({"entities": [ENTITY], "unsupported_claims": [CLAIM], "evidence": RATIONALE,
                                 "score": 4}, ensure_ascii=False))
    return Reply(json.dumps(fill_schema(schema, 4), ensure_ascii=False))


def judged_run(tmp: Path, langs: tuple[str, ...] = ("ar", "th")) -> Path:
    run = make_run(tmp, langs=langs, per_axis=2)
    with FakeOpenAI(responder=responder) as srv:
        config = JudgeConfig(endpoint=EndpointConfig(base_url=srv.base_url, model=srv.model, api_key_env=KEY_ENV,
                                                     timeout_s=5, max_retries=1, concurrency=4))
        judge_run(run, config, progress=False)
    score_run(run, extra_sources=(judge_rows,), resamples=50)  # as the CLI does: the judge's rows passed in
    return run
