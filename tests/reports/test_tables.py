"""Paper tables and `tables --check` (mella_bench/reports/tables.py) on synthetic runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.runs import test_aggregates, write_run

from mella_bench.reports import tables as T
from mella_bench.data.yamlio import ConfigError

PUBLISHED = """\
entries:
  - backbone: InternVL2-8B
    axis: know
    metric: keyword_acc
    lang: ar
    baseline: 2.46
    mella: 6.26
    provenance: "a review of the paper — second-hand, AI-written Korean review; unverified"
  - backbone: InternVL2-8B
    axis: ling
    metric: meteor
    lang: hu
    baseline: 0.11
    mella: 13.11
    provenance: "a review of the paper — second-hand, AI-written Korean review; unverified"
"""


def setup(root: Path) -> Path:
    write_run(root / "runs", "thin", "thin", lambda l, i: 50.0 if i % 4 == 0 else 0.0, lambda l, i: 0.6, n=8)
    write_run(root / "runs", "thick", "thick", lambda l, i: 100.0, lambda l, i: 0.1, n=8)
    (root / "published.yaml").write_text(PUBLISHED, encoding="utf-8")
    cfg = root / "tables.yaml"
    cfg.write_text("""\
output: tables
published: published.yaml
resamples: 200
backbones:
  - name: demo
    baseline: runs/thin
    mella: runs/thick
tables:
  - id: keyword_accuracy
    title: "Cultural axis: Keyword Accuracy on D_know (%)"
    axis: know
    metrics: [keyword_acc]
  - id: linguistic
    title: "Linguistic axis: METEOR / BLEU-4 / ROUGE-L on D_ling"
    axis: ling
    metrics: [meteor, bleu, rouge_l]
""", encoding="utf-8")
    return cfg


def run_tables(cfg, check=False, rows_for=None):
    kw = dict(source="scores", rows_for=rows_for, aggregates=test_aggregates)
    return T.check_tables(cfg, **kw) if check else T.write_tables(cfg, **kw)


def test_write_then_check_passes_and_published_rows_are_labelled(tmp_path):
    cfg = setup(tmp_path)
    written = run_tables(cfg)
    assert sorted(p.name for p in written) == ["keyword_accuracy.csv", "keyword_accuracy.md", "keyword_accuracy.tex",
                                               "linguistic.csv", "linguistic.md", "linguistic.tex"]
    ok, msg = run_tables(cfg, check=True)
    assert ok, msg
    md = (tmp_path / "tables" / "keyword_accuracy.md").read_text()
    assert "| demo / +MELLA | 100.00 [100.00, 100.00] |" in md
    assert "| InternVL2-8B / baseline (published†) | 2.46 | — |" in md
    assert "| InternVL2-8B / +MELLA (published†) | 6.26 | — |" in md
    assert "- † Published number, not ours: a review of the paper — second-hand" in md
    ling = (tmp_path / "tables" / "linguistic.md").read_text()
    assert "| InternVL2-8B / +MELLA (published†) / meteor | — | — | 13.11 |" in ling
    assert "demo / baseline / bleu" in ling
    tex = (tmp_path / "tables" / "keyword_accuracy.tex").read_text()
    assert "\\toprule" in tex and "(published$^\\dagger$)" in tex


def test_changed_score_fails_check_naming_the_cell(tmp_path):
    cfg = setup(tmp_path)
    run_tables(cfg)
    scores = tmp_path / "runs" / "thick" / "scores.jsonl"
    rows = [json.loads(l) for l in scores.read_text().splitlines()]
    target = next(r for r in rows if r["task"] == "mella_th_know" and r["metric"] == "keyword_acc")
    target["value"], target["stats"] = 0.0, [0.0]
    scores.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ok, msg = run_tables(cfg, check=True)
    assert not ok
    assert "table keyword_accuracy, row 'demo / +MELLA', column 'th': committed '100.00 [100.00, 100.00]' → regenerated '87.50" in msg
    assert "column 'macro'" in msg
    assert "--- " in msg and "+++ " in msg  # the unified diff of the Markdown file is shown too
    assert "linguistic" not in msg.split("\n", 1)[1]  # untouched table: no noise


def test_edited_prediction_fails_check_when_rows_are_rederived_from_predictions(tmp_path):
    """The contract with mella_bench.metrics.rescore: rows derived from predictions.jsonl, not scores.jsonl."""
    cfg = setup(tmp_path)
    run_dir = tmp_path / "runs" / "thick"
    preds = [{"task": r["task"], "item_id": r["item_id"], "lang": r["lang"], "axis": r["axis"], "status": "ok",
              "text": "ผัดไทย ตลาดน้ำ"} for r in map(json.loads, (run_dir / "scores.jsonl").read_text().splitlines())
             if r["metric"] == "keyword_acc"]
    (run_dir / "predictions.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds))
    scores_only = lambda d: map(json.loads, (d / "scores.jsonl").read_text().splitlines())  # noqa: E731

    def rescore(d: Path):  # toy re-scorer: keyword_acc from the prediction text, other rows as stored
        if not (d / "predictions.jsonl").exists():
            return scores_only(d)
        kws = ("ผัดไทย", "ตลาดน้ำ")
        texts = {p["item_id"]: p["text"] for p in map(json.loads, (d / "predictions.jsonl").read_text().splitlines())}
        out = []
        for r in scores_only(d):
            if r["metric"] == "keyword_acc":
                v = 100 * sum(k in texts[r["item_id"]] for k in kws) / len(kws)
                r = {**r, "value": v, "stats": [v]}
            out.append(r)
        return out

    run_tables(cfg, rows_for=rescore)
    assert run_tables(cfg, check=True, rows_for=rescore)[0]
    lines = (run_dir / "predictions.jsonl").read_text().splitlines()
    p = json.loads(lines[-1])  # the last know item (vi)
    p["text"] = "ผัดไทย"
    lines[-1] = json.dumps(p, ensure_ascii=False)
    (run_dir / "predictions.jsonl").write_text("\n".join(lines) + "\n")
    ok, msg = run_tables(cfg, check=True, rows_for=rescore)
    assert not ok and "table keyword_accuracy, row 'demo / +MELLA', column 'vi'" in msg


def test_missing_committed_file_and_bad_config_are_reported(tmp_path):
    cfg = setup(tmp_path)
    ok, msg = run_tables(cfg, check=True)
    assert not ok and "missing (run `mella-bench tables`" in msg
    cfg.write_text("backbones:\n  - name: x\ntables: []\n")
    with pytest.raises(ConfigError, match=r"backbones\[0\]: give at least one of baseline, mella"):
        T.load_config(cfg)
    cfg.write_text("backbones:\n  - name: x\n    baseline: runs/nope\ntables:\n  - {id: k, title: K, axis: know, metrics: [keyword_acc]}\n")
    with pytest.raises(FileNotFoundError, match="runs/nope"):
        run_tables(cfg)


def _committed_results(tmp_path):
    """A copy of the committed results/ without the first-hand authors' tables: those recompute the
    mella-2024 protocol (minutes of METEOR) and have their own test (tests/reports/test_tables_authors.py)."""
    import shutil

    import yaml

    repo_results = Path(__file__).resolve().parents[2] / "results"
    results = tmp_path / "results"
    shutil.copytree(repo_results, results, ignore=shutil.ignore_patterns("report", "ablation", "mella-author-2024"))
    cfg = yaml.safe_load((results / "tables.yaml").read_text(encoding="utf-8"))
    cfg["tables"] = [t for t in cfg["tables"] if not t["id"].startswith("authors")]
    cfg["backbones"] = [b for b in cfg["backbones"] if not str(b.get("baseline", "")).startswith("mella-author")]
    (results / "tables.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return results


def test_committed_tables_fail_when_one_committed_prediction_changes(tmp_path):
    """The real thing: copy the committed results/, edit one prediction, and `tables --check` names the cell."""
    results = _committed_results(tmp_path)
    ok, message = T.check_tables(results / "tables.yaml")
    assert ok, message
    pred_file = results / "examples" / "reference-thick" / "predictions.jsonl"
    lines = pred_file.read_text(encoding="utf-8").splitlines()
    idx = next(i for i, l in enumerate(lines) if json.loads(l)["task"] == "mella_vi_know")
    rec = json.loads(lines[idx])
    rec["text"] = "Một bức ảnh."  # a thin answer: no keyword left
    lines[idx] = json.dumps(rec, ensure_ascii=False)
    pred_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok, message = T.check_tables(results / "tables.yaml")
    assert not ok
    assert "table keyword_accuracy, row 'demo: reference replay / +MELLA', column 'vi'" in message




def test_signatures_come_from_the_metric_that_recomputed_the_values_not_summary_json(tmp_path):
    """A stale or edited summary.json cannot change a table's signature notes: the registry's metric
    signs the values it re-derived from predictions."""
    results = _committed_results(tmp_path)
    summary_path = results / "examples" / "reference-thick" / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    for task in summary["tasks"].values():
        for m in task["metrics"].values():
            m["signature"] = "forged:yes|version:0"
    summary_path.write_text(json.dumps(summary), encoding="utf-8")
    ok, message = T.check_tables(results / "tables.yaml")
    assert ok, message
    _, files = T.build(results / "tables.yaml")
    assert not any("forged" in text for text in files.values())
    assert any("tok:mella-vi-syllables" in text for text in files.values())
    # reading scores.jsonl instead (source="scores") does take summary.json's signatures
    _, stale = T.build(results / "tables.yaml", source="scores")
    assert any("forged" in text for text in stale.values())


def test_committed_tables_hold_cells_strictly_between_0_and_100():
    """Otherwise a changed metric definition could leave every cell as it was (all 0 or 100)."""
    import csv

    path = Path(__file__).resolve().parents[2] / "results" / "tables"
    for name, metrics in (("keyword_accuracy", {"keyword_acc"}), ("linguistic", {"meteor", "bleu", "rouge_l"})):
        rows = [r for r in csv.DictReader((path / f"{name}.csv").open(encoding="utf-8")) if r["value"]]
        for metric in metrics:
            mine = [float(r["value"]) for r in rows if r["row"].endswith(metric) or len(metrics) == 1]
            assert any(0.0 < v < 100.0 for v in mine), (name, metric)


def test_check_fails_when_a_metric_definition_changes(tmp_path, monkeypatch):
    """Keyword Accuracy as '100 if any keyword' instead of 'share of keywords': the check must notice."""
    import dataclasses

    import mella_bench.metrics.score as score

    results = _committed_results(tmp_path)
    real = score.score_corpus

    def any_keyword(corpus, metrics, pool=None):
        out = real(corpus, metrics, pool)
        if "keyword_acc" in out:
            r = out["keyword_acc"]
            values = tuple(100.0 if v > 0 else 0.0 for v in r.values)
            out["keyword_acc"] = dataclasses.replace(r, values=values, stats=tuple((v,) for v in values))
        return out

    monkeypatch.setattr(score, "score_corpus", any_keyword)
    ok, message = T.check_tables(results / "tables.yaml")
    assert not ok
    assert "table keyword_accuracy, row 'demo: half-reference replay / baseline'" in message


def test_table_signatures_are_recomputed_not_copied(tmp_path, monkeypatch):
    """A stale summary.json signature does not matter; a metric whose signature changes fails the check."""
    import dataclasses

    import mella_bench.metrics.score as score

    results = _committed_results(tmp_path)
    summary = results / "examples" / "reference-half" / "summary.json"
    summary.write_text(summary.read_text(encoding="utf-8").replace("tok:mella-", "tok:stale-"), encoding="utf-8")
    ok, message = T.check_tables(results / "tables.yaml")
    assert ok, message
    real = score.score_corpus

    def new_tokenizer(corpus, metrics, pool=None):
        out = real(corpus, metrics, pool)
        if "bleu" in out:
            r = out["bleu"]
            out["bleu"] = dataclasses.replace(r, signature_fields={**r.signature_fields, "tok": "other-tokenizer"})
        return out

    monkeypatch.setattr(score, "score_corpus", new_tokenizer)
    ok, message = T.check_tables(results / "tables.yaml")
    assert not ok and "tok:other-tokenizer" in message


def test_a_table_id_cannot_escape_the_output_folder(tmp_path):
    cfg = setup(tmp_path)
    text = cfg.read_text(encoding="utf-8").replace("id: keyword_accuracy", "id: ../../escaped")
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tables\[0\]\.id: '\.\./\.\./escaped' must be a plain name"):
        T.load_config(cfg)
    assert not (tmp_path.parent / "escaped.md").exists()
