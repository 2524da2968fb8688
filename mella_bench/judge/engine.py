"""The judge engine: inputs → cached, concurrent, fault-tolerant judgments (records for judgments.jsonl).

Every judgment is keyed by judge model + rubric hash + parser version + its inputs (task prompt,
candidate, references, keywords, image hash, language, images on/off). A key with an `ok` record is
never sent again; failed judgments are retried on the next run (a failure is never cached). Records
are appended in batches at most a second apart (one write + fsync per second, or per 256 records:
each fsync stalls every request in flight, measured at 15-20 ms on a loaded machine), so a kill loses
at most about a second of judgments.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from mella_bench.endpoint.apiclient import ApiError, ChatClient, EndpointConfig, image_data_url, run_all, scrub
from mella_bench.judge.parse import PARSER_VERSION, parse_pairwise, parse_verdict
from mella_bench.judge.rubric import Rubric
from mella_bench.store import JsonlWriter, read_jsonl

StructuredMode = Literal["auto", "json_schema", "off"]
_RAW_LIMIT = 4000


@dataclass(frozen=True)
class JudgeConfig:
    """Which judge, how it is called, and whether it sees images."""

    endpoint: EndpointConfig
    images: bool = True
    """Send the image as a data URL (only for judges that accept images)."""
    structured: StructuredMode = "auto"
    """json_schema: always send the schema as response_format; off: never; auto: send it and fall back
    to plain JSON-only prompting when the endpoint refuses it."""
    max_tokens: int = 1024

    @property
    def model(self) -> str:
        return self.endpoint.model

    def describe(self) -> dict[str, Any]:
        return {**self.endpoint.describe(), "images": self.images, "structured": self.structured,
                "max_tokens": self.max_tokens, "temperature": 0.0, "parser_version": PARSER_VERSION}


@dataclass(frozen=True)
class JudgeInput:
    """One candidate (or a pair) to judge, with the evidence the judge sees."""

    task: str
    item_id: str
    lang: str
    axis: str
    prompt: str
    """The instruction the model was given."""
    candidate: str
    references: tuple[str, ...]
    keywords: tuple[str, ...]
    image: bytes | None = field(default=None, repr=False)
    prediction_key: str | None = None
    candidate_b: str | None = None
    """Pairwise only: the second description (shown as B)."""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    """Free fields copied into the record (variant names, pair order, run names)."""

    @property
    def image_sha(self) -> str | None:
        return hashlib.sha256(self.image).hexdigest()[:16] if self.image is not None else None


def judgment_key(kind: str, model: str, rubric: Rubric, inp: JudgeInput, images: bool) -> str:
    """Cache key: everything that can change the verdict, nothing that cannot."""
    blob = json.dumps([kind, model, rubric.hash, PARSER_VERSION, inp.prompt, inp.candidate, inp.candidate_b,
                       list(inp.references), list(inp.keywords), inp.image_sha if images else None, inp.lang,
                       images], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


class JudgmentStore:
    """judgments.jsonl: `ok` records by key (the cache) plus a buffered appender."""

    def __init__(self, path: Path, flush_every: int = 256, flush_s: float = 1.0):
        self.path = path
        self.ok: dict[str, dict[str, Any]] = {}
        self.ok_for: set[tuple[str, str | None]] = set()
        """(judgment key, prediction key) of every ok record: which predictions the file already answers."""
        for rec in read_jsonl(path):
            if rec.get("status") == "ok":
                self.ok[rec["key"]] = rec
                self.ok_for.add((rec["key"], rec.get("prediction_key")))
        self._writer: JsonlWriter | None = None
        self._buf: list[dict[str, Any]] = []
        self._flush_every, self._flush_s, self._last = flush_every, flush_s, time.monotonic()

    def add(self, rec: dict[str, Any]) -> None:
        self._buf.append(rec)
        if rec["status"] == "ok":
            self.ok[rec["key"]] = rec
            self.ok_for.add((rec["key"], rec.get("prediction_key")))
        if len(self._buf) >= self._flush_every or time.monotonic() - self._last >= self._flush_s:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            if self._writer is None:
                self._writer = JsonlWriter(self.path)
            self._writer.write(self._buf)
            self._buf = []
        self._last = time.monotonic()

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclass
class JudgeCounts:
    """Per call: `ok` + `failed` + `reused` = jobs; `sent` = judgments requested (identical jobs share one)."""

    sent: int = 0
    reused: int = 0
    ok: int = 0
    failed: int = 0


@functools.lru_cache(maxsize=64)
def _data_url(image: bytes) -> str:
    """An item's image is encoded once for all its rubrics (and pairwise orders), not once per request."""
    return image_data_url(image)


def _messages(system: str, user: str, image: bytes | None) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = [{"type": "text", "text": user}]
    if image is not None:
        content.append({"type": "image_url", "image_url": {"url": _data_url(image)}})
    return [{"role": "system", "content": system}, {"role": "user", "content": content}]


def _refuses_schema(err: ApiError) -> bool:
    """A 400/422 that names the structured-output feature (vLLM, llama.cpp and older servers word it so)."""
    text = err.message.lower()
    return err.kind == "bad_request" and any(w in text for w in ("response_format", "json_schema", "schema",
                                                                 "structured", "guided"))


class Judge:
    """Runs judgments through one client, with the cache in `store`. Use within one asyncio.run."""

    def __init__(self, config: JudgeConfig, store: JudgmentStore):
        self.config = config
        self.store = store
        self.client = ChatClient(config.endpoint)
        self.counts = JudgeCounts()
        self._schema_on = config.structured != "off"
        self._secrets = [s for s in [os.environ.get(config.endpoint.api_key_env, "")] if s]

    async def probe(self) -> None:
        await self.client.probe()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _ask(self, system: str, user: str, image: bytes | None, schema: dict[str, Any], name: str) -> tuple[Any, str]:
        msgs = _messages(system, user, image if self.config.images else None)
        while True:
            use_schema = self._schema_on
            rf = ({"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}
                  if use_schema else None)
            try:
                return await self.client.chat(msgs, max_tokens=self.config.max_tokens, temperature=0.0,
                                              response_format=rf), ("json_schema" if use_schema else "prompt")
            except ApiError as err:
                if use_schema and self.config.structured == "auto" and _refuses_schema(err):
                    if self._schema_on:
                        self._schema_on = False
                        print(f"judge: {self.config.endpoint.public_url} refuses json_schema response_format; "
                              "falling back to JSON-only prompting (every answer is still validated)", file=sys.stderr)
                    continue
                raise

    def _base(self, kind: str, key: str, rubric: Rubric, inp: JudgeInput) -> dict[str, Any]:
        return {"key": key, "kind": kind, "task": inp.task, "item_id": inp.item_id, "lang": inp.lang,
                "axis": inp.axis, "rubric": rubric.id, "rubric_version": rubric.version, "rubric_hash": rubric.hash,
                "parser_version": PARSER_VERSION, "judge_model": self.config.model, "images": self.config.images,
                "prediction_key": inp.prediction_key, **inp.meta}

    async def _pointwise(self, key: str, rubric: Rubric, inp: JudgeInput) -> dict[str, Any]:
        rec = self._base("pointwise", key, rubric, inp)
        system, user = rubric.render(lang=inp.lang, prompt=inp.prompt, candidate=inp.candidate,
                                     references=inp.references, keywords=inp.keywords, images=self.config.images)
        try:
            reply, mode = await self._ask(system, user, inp.image, dict(rubric.output_schema), rubric.id)
        except ApiError as err:
            rec.update(status="api_error", score=None, reason=scrub(str(err), self._secrets), attempts=err.attempts)
            return rec
        v = parse_verdict(reply.text, rubric)
        rec.update(status=v.status, score=v.score, raw_score=v.raw_score, cap_reason=v.cap_reason,
                   evidence=v.evidence, reason=v.reason, fields=dict(v.fields) if v.fields else None,
                   raw=scrub(reply.text[:_RAW_LIMIT], self._secrets), attempts=reply.attempts, output_mode=mode,
                   prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens)
        return rec

    async def _pairwise(self, key: str, rubric: Rubric, inp: JudgeInput) -> dict[str, Any]:
        rec = self._base("pairwise", key, rubric, inp)
        assert inp.candidate_b is not None
        system, user = rubric.render_pairwise(lang=inp.lang, prompt=inp.prompt, candidate_a=inp.candidate,
                                              candidate_b=inp.candidate_b, references=inp.references,
                                              keywords=inp.keywords, images=self.config.images)
        try:
            reply, mode = await self._ask(system, user, inp.image, dict(rubric.template["pairwise_schema"]),
                                          f"{rubric.id}_pairwise")
        except ApiError as err:
            rec.update(status="api_error", winner=None, reason=scrub(str(err), self._secrets), attempts=err.attempts)
            return rec
        v = parse_pairwise(reply.text, rubric.template["pairwise_schema"])
        rec.update(status=v.status, winner=v.winner, evidence=v.evidence, reason=v.reason,
                   raw=scrub(reply.text[:_RAW_LIMIT], self._secrets), attempts=reply.attempts, output_mode=mode,
                   prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens)
        return rec

    def _record_for_prediction(self, rec: dict[str, Any]) -> None:
        """Store a shared verdict under this prediction too. Judgments are cached by content, but a run's
        score rows find them by prediction key: a second prediction with the same content (identical
        answers, or a prediction re-keyed by a task or fingerprint change) would otherwise read as
        "not judged" and count as a failure."""
        if rec["kind"] != "pointwise" or rec.get("prediction_key") is None:
            return
        if rec["status"] == "ok" and (rec["key"], rec["prediction_key"]) in self.store.ok_for:
            return
        self.store.add({k: v for k, v in rec.items() if k != "cached"})

    async def judge(self, jobs: list[tuple[Rubric, JudgeInput]], progress: Callable[[int], None] | None = None,
                    probe: bool = True) -> list[dict[str, Any]]:
        """One record per job, in order: cached ones reused, the rest sent (after a probe when any are)."""
        out: list[dict[str, Any] | None] = [None] * len(jobs)
        todo: list[tuple[int, str, Rubric, JudgeInput]] = []
        for i, (rubric, inp) in enumerate(jobs):
            kind = "pairwise" if inp.candidate_b is not None else "pointwise"
            key = judgment_key(kind, self.config.model, rubric, inp, self.config.images)
            if key in self.store.ok:
                out[i] = {**self.store.ok[key], **self._base(kind, key, rubric, inp), "cached": True}
                self.counts.reused += 1
                self._record_for_prediction(out[i])
                if progress:
                    progress(1)
            else:
                todo.append((i, key, rubric, inp))
        if not todo:
            return [r for r in out if r is not None]
        if probe:
            await self.probe()
        loop = asyncio.get_running_loop()
        owner: dict[str, int] = {}  # identical jobs in one call are sent once; the others wait for it
        futures: dict[str, asyncio.Future[dict[str, Any]]] = {}
        for i, key, _, _ in todo:
            if key not in owner:
                owner[key], futures[key] = i, loop.create_future()

        async def one(i: int, key: str, rubric: Rubric, inp: JudgeInput) -> None:
            if owner[key] != i:
                rec = dict(await futures[key])
                rec.update(self._base(rec["kind"], key, rubric, inp))
                out[i] = rec
                self._record_for_prediction(rec)
                self.counts.ok += rec["status"] == "ok"
                self.counts.failed += rec["status"] != "ok"
                return
            try:
                rec = await (self._pairwise(key, rubric, inp) if inp.candidate_b is not None
                             else self._pointwise(key, rubric, inp))
            except BaseException as exc:
                futures[key].set_exception(exc)
                raise
            rec["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            futures[key].set_result(rec)
            self.counts.sent += 1
            self.counts.ok += rec["status"] == "ok"
            self.counts.failed += rec["status"] != "ok"
            self.store.add(rec)
            out[i] = rec

        # owners first, so a waiting duplicate never holds a slot its owner needs
        ordered = sorted(todo, key=lambda t: owner[t[1]] != t[0])
        try:
            await run_all([lambda a=a: one(*a) for a in ordered], self.config.endpoint.concurrency * 2, progress)
        finally:
            self.store.flush()
        return [r for r in out if r is not None]


def run_judge(config: JudgeConfig, store_path: Path, jobs: list[tuple[Rubric, JudgeInput]],
              progress_desc: str | None = "judge", probe: bool = True) -> tuple[list[dict[str, Any]], JudgeCounts]:
    """Synchronous entry point: judge `jobs` with the cache at `store_path`; returns records and counts."""
    from mella_bench.progress import progress_bar

    store = JudgmentStore(store_path)
    bar = progress_bar(len(jobs), progress_desc or "judge", "judgment", progress_desc is not None)

    judge = Judge(config, store)

    async def go() -> list[dict[str, Any]]:
        try:
            return await judge.judge(jobs, progress=bar.update, probe=probe)
        finally:
            await judge.aclose()

    try:
        records = asyncio.run(go())
    finally:
        store.close()
        bar.close()
    return records, judge.counts
