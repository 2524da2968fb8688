"""The lmms-eval bridge end to end through its documented contract, without lmms-eval installed.

lmms-eval 0.7.3 (lmms_eval/evaluator.py, evaluator_utils.py) runs an exported task like this:
`process_results(doc, [answer])` per doc (on worker threads, results committed in doc order), each
returned key appended to that metric's list in the order returned, then each metric's
`aggregation` called on its list in that order, and a group's `aggregate_metric_list` applied to
every subtask result key that contains the configured metric name (`mean`: the plain or
size-weighted mean of the subtask values). Its API models answer a request that failed after all
retries with `[LMMS_EVAL_REQUEST_FAILED after N retries] <error>`. `_lmms_eval_run` below does
exactly that, so the numbers lmms-eval would print can be compared with `mella-bench score` of the
same answers imported back (`data import lmms-eval`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.conftest import SAMPLE, png_bytes
from mella_bench.interop import lmms_task_utils
from mella_bench.cli import main
from mella_bench.data.dataset import load
from mella_bench.langs import LANG_CODES




class _Function:
    def __init__(self, name: str):
        self.name = name


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!function", lambda loader, node: _Function(loader.construct_scalar(node)))


def _utils(folder: Path):
    """utils.py as lmms-eval's `import_function` loads it: executed anew for every `!function` it resolves."""
    spec = importlib.util.spec_from_file_location("utils", folder / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _function(folder: Path, ref: _Function):
    module, name = ref.name.split(".")
    assert module == "utils"
    return getattr(_utils(folder), name)


def _yaml(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - safe loader subclass


def _failed(n: int) -> str:
    """What lmms-eval 0.7.3's openai model returns for a request that failed every retry."""
    return f"[LMMS_EVAL_REQUEST_FAILED after 5 retries] Error code: 429 - rate limited (attempt {n})"


def _lmms_eval_run(folder: Path, answers: dict[str, list[str]], logs: Path) -> dict[str, dict]:
    """Run the exported tasks as lmms-eval's evaluator does; write its samples logs; return its results
    (task and group rows keyed `metric,filter`)."""
    group = _yaml(folder / "mella.yaml")
    results: dict[str, dict] = {}
    logs.mkdir(parents=True, exist_ok=True)
    for task in group["task"]:
        cfg = _yaml(folder / f"{task}.yaml")
        [filt] = [f["name"] for f in cfg["filter_list"]]
        docs = [json.loads(line) for line in (folder / cfg["dataset_kwargs"]["data_files"]["test"])
                .read_text(encoding="utf-8").splitlines()]
        process = _function(folder, cfg["process_results"])
        with ThreadPoolExecutor(4) as pool:  # worker threads, committed in doc order
            outs = list(pool.map(lambda d: process(d, [answers[task][d["index"]]]), docs))
        sample_metrics: dict[str, list] = {}
        for out in outs:
            for metric, value in out.items():
                sample_metrics.setdefault(metric, []).append(value)
        agg = {m["metric"]: _function(folder, m["aggregation"]) for m in cfg["metric_list"]}
        results[task] = {f"{m},{filt}": agg[m](values) for m, values in sample_metrics.items()}
        results[task]["samples"] = len(docs)
        target, text = _function(folder, cfg["doc_to_target"]), _function(folder, cfg["doc_to_text"])
        with (logs / f"20261129_120000_samples_{task}.jsonl").open("w", encoding="utf-8") as fh:
            for doc, out in zip(docs, outs):  # save_results_samples' fields
                rec = {"doc_id": doc["index"], "target": str(target(doc)),
                       "filtered_resps": answers[task][doc["index"]], "token_counts": [None], "doc_hash": "x",
                       "input": text(doc), **out}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    keys = {k for t in group["task"] for k in results[t] if k != "samples"}
    results["mella"] = {}
    for key in sorted(keys):  # consolidate_group_results: substring match of the configured metric name
        tasks = [t for t in group["task"] if key in results[t]]
        for a in group["aggregate_metric_list"]:
            if a["metric"] in key:
                sizes = [results[t]["samples"] if a["weight_by_size"] else 1 for t in tasks]
                results["mella"][key] = sum(results[t][key] * s for t, s in zip(tasks, sizes)) / sum(sizes)
    return results


def _same(a: float | None, b: float | None) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and a == pytest.approx(b, abs=1e-9)


def test_both_tools_report_the_same_numbers_with_failed_requests(tmp_path: Path, caplog):
    langs = LANG_CODES[:3]
    folder = tmp_path / "tasks"
    assert main(["export", "lmms-eval", "--output", str(folder), "--langs", ",".join(langs)]) == 0
    tasks = json.loads((folder / "data" / "tasks.json").read_text(encoding="utf-8"))
    answers: dict[str, list[str]] = {}
    all_failed = f"mella_{langs[-1]}_ling"
    for task, info in tasks.items():
        docs = [json.loads(l) for l in (folder / "data" / f"{task}.jsonl").read_text(encoding="utf-8").splitlines()]
        answers[task] = [_failed(i) if task == all_failed or i % 3 == 1 else docs[(i + 1) % len(docs)]["references"][0]
                         for i in range(info["items"])]
    with caplog.at_level(logging.WARNING, logger="mella_bench.lmms_eval"):
        lmms = _lmms_eval_run(folder, answers, tmp_path / "logs" / "flaky_model")
    assert any("2 of 6 requests failed" in r.getMessage() for r in caplog.records)

    run = tmp_path / "run"  # the same answers into mella-bench: one folder of samples files, tasks from the names
    assert main(["data", "import", "lmms-eval", str(tmp_path / "logs" / "flaky_model"), "--output", str(run)]) == 0
    assert main(["score", str(run), "--quiet"]) == 4  # as `run` exits when more than --max-failure-rate failed
    assert main(["score", str(run), "--quiet", "--max-failure-rate", "0.5"]) == 0
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))

    compared = 0
    for task, info in tasks.items():
        for metric in info["metrics"]:
            mine = summary["tasks"][task]["metrics"][metric]
            theirs = lmms[task][f"{metric},{info['axis']}"]
            assert _same(theirs, mine["value"]), (task, metric, theirs, mine["value"])
            assert lmms[task][f"failure_rate,{info['axis']}"] == pytest.approx(mine["failure_rate"])
            compared += mine["value"] is not None
    assert compared == sum(len(info["metrics"]) for task, info in tasks.items() if task != all_failed)
    assert math.isnan(lmms[all_failed]["meteor,ling"]) and summary["tasks"][all_failed]["metrics"]["meteor"]["value"] is None

    from mella_bench.reports.leaderboard import load_run, run_cells

    macro = {(c.axis, c.metric): c.est for c in run_cells(load_run(run), resamples=0) if c.lang == "macro"}
    for (axis, metric), est in macro.items():  # the group's rows are mella-bench's macro, axis by axis
        assert _same(lmms["mella"][f"{metric},{axis}"], est.value), (axis, metric)
        failed = sum(i["metrics"][metric]["n_failed"] for t, i in summary["tasks"].items() if i["axis"] == axis)
        total = failed + sum(i["metrics"][metric]["n"] for t, i in summary["tasks"].items() if i["axis"] == axis)
        assert lmms["mella"][f"failure_rate,{axis}"] == pytest.approx(failed / total)
    assert macro[("know", "keyword_acc")].value is not None and macro[("ling", "meteor")].value is None


def test_a_pointer_without_its_payload_is_an_error_not_a_score(tmp_path: Path):
    folder = tmp_path / "tasks"
    assert main(["export", "lmms-eval", "--output", str(folder), "--langs", LANG_CODES[0]]) == 0
    utils = _utils(folder)
    doc = json.loads((folder / "data" / f"mella_{LANG_CODES[0]}_ling.jsonl").read_text(encoding="utf-8").splitlines()[0])
    out = utils.mella_process_results(doc, ["x"])
    carrier, other = list(out)[:2]
    carry, point = (getattr(utils, utils.function_name(m)) for m in (carrier, other))
    lmms_task_utils.PAYLOADS.clear()  # the installed registry, as on a rank that aggregates others' docs
    with pytest.raises(RuntimeError, match="must be aggregated first"):
        point([out[other]])
    assert carry([out[carrier]]) >= 0.0  # the carrier's list restores the payloads
    assert point([out[other]]) >= 0.0


def test_export_names_images_by_content_so_rows_sharing_a_file_name_keep_their_image(tmp_path: Path):
    """A `datasets` Image column keeps only the base name: every row here calls its image `flag.png`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    langs = tuple(SAMPLE)[:2]
    rows = []
    for n, lang in enumerate(langs):
        ref, kws, _ = SAMPLE[lang]
        for axis in ("know", "ling"):
            for k in range(3):
                color = (40 * n + 10 * k, 100 + 50 * (axis == "know"), 7 * k)
                rows.append({"id": f"{lang}-{axis}-{k}", "lang": lang, "axis": axis, "references": [ref],
                             "keywords": kws if axis == "know" else [],
                             "image": {"bytes": png_bytes(color), "path": "flag.png"}})
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "test.parquet")
    data = load(str(tmp_path / "test.parquet"))
    assert len({data.image_bytes(it) for it in data.items}) == len(rows)  # twelve different pictures

    out = tmp_path / "export"
    assert main(["export", "lmms-eval", "--output", str(out), "--langs", ",".join(langs),
                 "--data", str(tmp_path / "test.parquet")]) == 0
    by_id = {it.id: it for it in data.items}
    seen = 0
    for f in (out / "data").glob("mella_*.jsonl"):
        for doc in map(json.loads, f.read_text(encoding="utf-8").splitlines()):
            assert (out / "data" / doc["image"]).read_bytes() == data.image_bytes(by_id[doc["id"]]), doc["id"]
            seen += 1
    assert seen == len(rows)
    assert len(list((out / "data" / "images").iterdir())) == len(rows)
