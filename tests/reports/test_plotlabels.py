"""`report` on a run whose model label the plot font cannot draw (Hangul, Thai) writes everything."""

from __future__ import annotations

import json
from pathlib import Path

from mella_bench.cli import main
from mella_bench.reports.plotlabels import drawable, plot_aliases
from tests.conftest import write_dataset


def test_aliases_only_for_labels_the_font_cannot_draw():
    assert drawable("reference:thick (Qwen2-VL, ČŠŘ)")
    assert not drawable("모델-파인튜닝") and not drawable("โมเดลไทย")
    assert plot_aliases(["base", "모델", "โมเดล"]) == {"base": "base", "모델": "M2", "โมเดล": "M3"}


def test_report_with_hangul_and_thai_model_labels_writes_tables_and_plots(tmp_path: Path, capsys):
    data = write_dataset(tmp_path / "data", langs=("ko", "th"), per_axis=2)
    runs = []
    for name, label in (("a", "한국어-모델"), ("b", "โมเดล-ไทย")):
        out = tmp_path / name
        assert main(["run", "--model", "reference:thick", "--langs", "ko,th", "--data", str(data), "--output",
                     str(out), "--quiet"]) == 0
        head = json.loads((out / "run.json").read_text(encoding="utf-8"))
        head["config"]["backend"]["model"] = label  # as a fine-tune's directory name would appear
        (out / "run.json").write_text(json.dumps(head, ensure_ascii=False), encoding="utf-8")
        runs.append(str(out))
    rep = tmp_path / "report"
    assert main(["report", *runs, "--out", str(rep), "--resamples", "20"]) == 0
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard.tex", "bars_know_keyword_acc.png"):
        assert (rep / name).is_file(), name
    md = (rep / "leaderboard.md").read_text(encoding="utf-8")
    assert "한국어-모델" in md and "`M1` = " in md and "`M2` = " in md
