"""`mella-bench export lmms-eval`: the folder matches lmms-eval's task contract, and its utils.py scores
exactly as mella-bench does.

lmms-eval itself is not installed for the tests (it pulls torchvision, wandb, ... and replaces the CPU
torch; see docs/interop.md). Instead: (1) the YAML is checked against the `TaskConfig` fields and the
loader behaviour of lmms-eval (commit 75571cfe: `load_yaml_config` with `!function utils.<name>`
resolved beside the YAML, `data_files` of the `json` builder anchored at the YAML's folder,
TaskManager's task/group tests); (2) the committed fixtures in tests/fixtures/lmms_eval were written
by lmms-eval's own evaluator from a folder this exporter wrote (make_samples.py), and the scores
lmms-eval reported there must equal mella-bench's native scores of the same answers.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from mella_bench.cli import main
from mella_bench.metrics import METRICS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lmms_eval"

# lmms_eval/api/task.py TaskConfig fields (commit 75571cfe), the keys a task YAML may hold.
TASK_CONFIG_FIELDS = {
    "task", "task_alias", "tag", "group", "group_alias", "dataset_path", "dataset_name", "dataset_kwargs",
    "training_split", "validation_split", "test_split", "fewshot_split", "full_docs", "process_results_use_image",
    "process_docs", "doc_to_visual", "doc_to_text", "doc_to_target", "doc_to_choice", "doc_to_messages",
    "process_results", "use_prompt", "description", "target_delimiter", "fewshot_delimiter", "fewshot_config",
    "num_fewshot", "metric_list", "output_type", "generation_kwargs", "repeats", "filter_list",
    "should_decontaminate", "doc_to_decontamination_query", "cluster_key", "score_key", "metadata",
    "lmms_eval_specific_kwargs", "model_specific_generation_kwargs", "model_specific_target_kwargs",
    "reasoning_tags", "auto_strip_thinking",
}


# lmms_eval/api/group.py (0.7.3): GroupConfig and AggMetricConfig fields.
GROUP_CONFIG_FIELDS = {"group", "group_alias", "task", "aggregate_metric_list", "metadata"}
AGG_METRIC_FIELDS = {"metric", "aggregation", "weight_by_size", "filter_list"}


class _Function:
    def __init__(self, name: str):
        self.name = name


class _LmmsLoader(yaml.SafeLoader):
    """Like lmms-eval's loader: `!function module.name` is a reference to a function beside the YAML."""


_LmmsLoader.add_constructor("!function", lambda loader, node: _Function(loader.construct_scalar(node)))


def _load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LmmsLoader)  # noqa: S506 - safe loader subclass


def _utils(folder: Path):
    spec = importlib.util.spec_from_file_location("utils", folder / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lmms") / "mella"
    assert main(["export", "lmms-eval", "--output", str(out), "--langs", "th,sr"]) == 0
    return out


def test_the_samples_log_holds_each_payload_once(exported: Path):
    """lmms-eval logs every value process_results returns; the answer and ids appear under one key only."""
    utils = _utils(exported)
    doc = json.loads((exported / "data" / "mella_th_know.jsonl").read_text(encoding="utf-8").splitlines()[0])
    out = utils.mella_process_results(doc, ["คำตอบ"])
    carriers = [k for k, v in out.items() if "pred" in v]
    assert carriers == [next(iter(out))] and out[carriers[0]]["pred"] == "คำตอบ"
    assert all(v == {"task": "mella_th_know", "index": 0} for k, v in out.items() if k not in carriers)
    assert "references" not in out[carriers[0]]  # they are in the exported data, read by index


def test_every_task_yaml_follows_the_task_contract(exported: Path):
    utils = _utils(exported)
    tasks = json.loads((exported / "data" / "tasks.json").read_text(encoding="utf-8"))
    assert sorted(tasks) == ["mella_sr_know", "mella_sr_ling", "mella_th_know", "mella_th_ling"]
    for name, info in tasks.items():
        cfg = _load(exported / f"{name}.yaml")
        assert set(cfg) <= TASK_CONFIG_FIELDS, set(cfg) - TASK_CONFIG_FIELDS
        assert cfg["task"] == name and cfg["output_type"] == "generate_until" and cfg["test_split"] == "test"
        # the `json` builder with a relative data file: lmms-eval anchors it at the YAML's folder
        assert cfg["dataset_path"] == "json"
        rel = cfg["dataset_kwargs"]["data_files"]["test"]
        assert not Path(rel).is_absolute() and (exported / rel).is_file()
        for key in ("doc_to_visual", "doc_to_text", "doc_to_target", "process_results"):
            module, fn = cfg[key].name.split(".")
            assert module == "utils" and callable(getattr(utils, fn))
        assert [m["metric"] for m in cfg["metric_list"]] == [*info["metrics"], "failure_rate"]
        for m in cfg["metric_list"]:
            assert m["higher_is_better"] is (m["metric"] != "failure_rate")
            assert callable(getattr(utils, m["aggregation"].name.split(".")[1]))
        # lmms-eval's default filter (take_first), named after the axis: rows are keyed metric,<axis>
        assert cfg["filter_list"] == [{"name": info["axis"], "filter": [{"function": "take_first"}]}]
        assert cfg["generation_kwargs"]["max_new_tokens"] == 256 and cfg["generation_kwargs"]["do_sample"] is False
        assert cfg["metadata"]["mella_bench_task_hash"] == info["hash"]
    group = _load(exported / "mella.yaml")
    assert group["group"] == "mella" and sorted(group["task"]) == sorted(tasks)  # TaskManager: `task` list = group
    assert set(group) <= GROUP_CONFIG_FIELDS
    aggs = {a["metric"]: a for a in group["aggregate_metric_list"]}
    assert set(aggs) == {m for info in tasks.values() for m in info["metrics"]} | {"failure_rate"}
    for metric, a in aggs.items():  # AggMetricConfig: only `mean` is built in; macro = unweighted over languages
        assert set(a) <= AGG_METRIC_FIELDS and a["aggregation"] == "mean" and a["filter_list"] == ["know", "ling"]
        assert a["weight_by_size"] is (metric == "failure_rate")
    text = "".join(p.read_text(encoding="utf-8") for p in [*exported.glob("*.yaml"), *(exported / "data").glob("*")]
                   if p.is_file())
    assert str(exported.parent) not in text  # relocatable: nothing points back at where it was written


def test_utils_has_an_aggregation_for_every_metric(exported: Path):
    utils = _utils(exported)
    assert {utils.function_name(m) for m in METRICS} <= set(dir(utils))
    assert utils.function_name("chrf++") == "mella_agg_chrf_pp"


def test_utils_functions_behave_as_lmms_eval_calls_them(exported: Path):
    utils = _utils(exported)
    docs = [json.loads(l) for l in (exported / "data" / "mella_th_know.jsonl").read_text(encoding="utf-8").splitlines()]
    doc = docs[0]
    [image] = utils.mella_doc_to_visual(doc)
    assert image.mode == "RGB" and image.size[0] > 0
    assert utils.mella_doc_to_text(doc, {"pre_prompt": "ignored"}) == doc["prompt"]
    assert utils.mella_doc_to_target(doc) == doc["references"]
    out = utils.mella_process_results(doc, [doc["references"][0]])
    metrics = json.loads((exported / "data" / "tasks.json").read_text())["mella_th_know"]["metrics"]
    assert list(out) == [*metrics, "failure_rate"]
    payloads = [utils.mella_process_results(d, [" ".join(d["keywords"])])["keyword_acc"] for d in docs]
    assert utils.mella_agg_keyword_acc(payloads) == 100.0  # an answer that names every keyword, word by word
    assert utils.mella_agg_failure_rate(payloads) == 0.0
    with pytest.raises(ValueError, match="leaves the exported data folder"):
        utils.mella_doc_to_visual({**doc, "image": "../../etc/passwd"})


def test_lmms_eval_reported_the_native_scores(tmp_path: Path):
    """lmms-eval ran the exported tasks (make_samples.py) with answers = the next doc's reference; mella-bench's
    `reference:shuffled` backend gives the same answers natively, so every metric must agree."""
    reported = json.loads((FIXTURES / "lmms_results.json").read_text(encoding="utf-8"))
    out = tmp_path / "native"
    assert main(["run", "--model", "reference:shuffled", "--langs", "th,sr", "--output", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for task, metrics in reported.items():
        for metric, value in metrics.items():
            assert summary["tasks"][task]["metrics"][metric]["value"] == pytest.approx(value, abs=1e-9), (task, metric)
    # the `mella` group's rows (metric,axis) are mella-bench's macro of each axis
    from mella_bench.reports.leaderboard import load_run, run_cells

    groups = json.loads((FIXTURES / "lmms_groups.json").read_text(encoding="utf-8"))["mella"]
    macro = {f"{c.metric},{c.axis}": c.est.value for c in run_cells(load_run(out), resamples=0) if c.lang == "macro"}
    assert {k for k in groups if not k.startswith("failure_rate,")} == set(macro)
    for key, value in macro.items():
        assert groups[key] == pytest.approx(value, abs=1e-9), key
    assert groups["failure_rate,know"] == groups["failure_rate,ling"] == 0.0
