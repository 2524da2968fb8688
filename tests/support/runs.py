"""Synthetic run directories for report/ablation/tables tests: real sacrebleu BLEU statistics and
mean-type metrics with `[value]` rows, in the scores.jsonl / summary.json formats `mella-bench score` writes."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Callable

import numpy as np
from sacrebleu.metrics import BLEU

from mella_bench.langs import LANG_CODES
from mella_bench.stats import mean_aggregate

_BLEU = BLEU(tokenize="none")


def bleu_aggregate(rows: np.ndarray) -> float:
    return float(_BLEU._compute_score_from_stats(rows.sum(axis=0)).score)


def test_aggregates(metric: str):
    """The aggregate each synthetic metric uses (BLEU from summed counts, the rest means)."""
    return bleu_aggregate if metric == "bleu" else mean_aggregate


test_aggregates.__test__ = False  # a helper, not a test

VOCAB = "a b c d e f g h i j k l m n o p q r s t u v w x y z".split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(6, 12)))


def write_run(root: Path, name: str, model: str, know: Callable[[str, int], float | None],
              ling_noise: Callable[[str, int], float | None], langs=LANG_CODES, n: int = 12, seed: int = 0,
              backend: str = "reference", extra_metrics: bool = False, hyp_seed: str | None = None,
              ref_seed: Callable[[str], str] | None = None, prompt: str = "Describe the image.") -> Path:
    """A run directory. know(lang, i) → keyword_acc value (None = failed); ling_noise(lang, i) → share of
    reference words replaced in the hypothesis (None = failed), from which BLEU, METEOR-like and
    ROUGE-like rows are derived (the latter two as simple overlap means: only the statistics matter here).
    Its items (references, keywords) are written into the run (`data/manifest.jsonl`, as an imported run
    carries them), the same in every run unless `ref_seed(lang)` gives a language other references."""
    run = root / name
    run.mkdir(parents=True)
    tasks_json, items = {}, []
    rows, summary = [], {"format_version": 1, "run": name, "tasks": {}}
    for lang in langs:
        rng = random.Random(ref_seed(lang) if ref_seed else f"{lang}")  # same references in every run by default
        for axis in ("know", "ling"):
            task = f"mella_{lang}_{axis}"
            tasks_json[task] = {"lang": lang, "axis": axis, "data": "data", "data_relative_to_run": True,
                                "prompt": prompt}
            metrics = {"know": ["keyword_acc"] + (["judge:cultural_depth"] if extra_metrics else []),
                       "ling": ["meteor", "bleu", "rouge_l"] + (["chrf++"] if extra_metrics else [])}[axis]
            for i in range(n):
                iid = f"{lang}-{axis}-{i:04d}"
                ref = _sentence(rng)
                items.append({"id": iid, "lang": lang, "axis": axis, "image": None, "references": [ref],
                              **({"keywords": [ref.split()[0]]} if axis == "know" else {})})
                value = know(lang, i) if axis == "know" else ling_noise(lang, i)
                for metric in metrics:
                    base = {"task": task, "item_id": iid, "lang": lang, "axis": axis, "metric": metric}
                    if value is None:
                        rows.append({**base, "status": "failed", "value": None, "stats": None, "reason": "prediction failed"})
                        continue
                    if axis == "know":
                        v = value if metric == "keyword_acc" else 1 + 4 * value / 100
                        rows.append({**base, "status": "ok", "value": v, "stats": [v], "reason": None})
                        continue
                    hrng = random.Random(f"{hyp_seed or name}-{iid}")
                    hyp = " ".join(w if hrng.random() >= value else hrng.choice(VOCAB) for w in ref.split())
                    if metric == "bleu":
                        st = [float(x) for x in _BLEU._extract_corpus_statistics([hyp], [[ref]])[0]]
                        v = float(BLEU(tokenize="none", effective_order=True).sentence_score(hyp, [ref]).score)
                    else:
                        v = 100 * sum(a == b for a, b in zip(hyp.split(), ref.split())) / len(ref.split())
                        st = [v]
                    rows.append({**base, "status": "ok", "value": v, "stats": st, "reason": None})
            summary["tasks"][task] = {"lang": lang, "axis": axis, "n_items": n, "metrics": {
                m: {"value": None, "ci": None, "signature": f"{m}|tok:{'newmm' if lang == 'th' else 'words'}|v1",
                    "signature_fields": {}, "profiles": ["full"]} for m in metrics}}
    (run / "run.json").write_text(json.dumps({"format_version": 1, "config": {"backend": {"name": backend, "model": model}},
                                              "seeds": {"run": seed}, "tasks": tasks_json}))
    (run / "data").mkdir()
    (run / "data" / "manifest.jsonl").write_text("".join(json.dumps(it) + "\n" for it in items), encoding="utf-8")
    with (run / "scores.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    (run / "summary.json").write_text(json.dumps(summary))
    return run


def thick_thin(root: Path, n: int = 12) -> tuple[Path, Path]:
    """A thick run (keywords mostly found, close captions) and a thin one (keywords mostly missed)."""
    thick = write_run(root, "thick", "thick", lambda l, i: 100.0 if i % 6 else 50.0, lambda l, i: 0.1, n=n)
    thin = write_run(root, "thin", "thin", lambda l, i: 50.0 if i % 4 == 0 else 0.0, lambda l, i: 0.6, n=n)
    return thick, thin
