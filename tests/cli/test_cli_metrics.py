"""The `metrics`, `score` and `run` commands' scoring output (mella_bench/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sacrebleu.metrics import CHRF

from mella_bench.cli import main
from tests.conftest import write_dataset
from tests.metrics.texts import SENTENCES


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    a, b = SENTENCES["cs"]
    hyps = write(tmp_path / "hyps.txt", [a, b[:-12]])
    refs = write(tmp_path / "refs.txt", [a, b])
    refs2 = write(tmp_path / "refs2.txt", ["", a])
    kws = write(tmp_path / "kw.jsonl", [json.dumps(["orloj", "Praha"], ensure_ascii=False), '["kroj"]'])
    return hyps, refs, refs2, kws


def test_metrics_prints_spec_json(files, capsys):
    hyps, refs, refs2, kws = files
    assert main(["metrics", "--lang", "cs", "--refs", str(refs), "--refs", str(refs2), "--keywords", str(kws), str(hyps)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lang"] == "cs" and out["n"] == 2
    assert set(out["scores"]) == {"bleu", "chrf++", "rouge_l", "meteor", "cider", "keyword_acc", "keyword_acc_strict"}
    assert set(out["signatures"]) == set(out["scores"])
    assert out["scores"]["keyword_acc"] == pytest.approx(100.0)  # orloj, Praze (inflected), kroji
    assert out["scores"]["keyword_acc_strict"] == pytest.approx(25.0)  # exact words: orloj only (Praze, kroji inflected)
    assert out["signatures"]["bleu"].startswith("nrefs:var|")
    assert all(0 <= v for v in out["scores"].values())


def test_metrics_chrf_equals_sacrebleu(files, capsys):
    hyps, refs, _, _ = files
    main(["metrics", "--lang", "cs", "--refs", str(refs), "--metrics", "chrf++", str(hyps)])
    out = json.loads(capsys.readouterr().out)
    h = hyps.read_text(encoding="utf-8").splitlines()
    r = refs.read_text(encoding="utf-8").splitlines()
    assert out["scores"]["chrf++"] == pytest.approx(CHRF(word_order=2).corpus_score(h, [r]).score, abs=1e-9)


@pytest.mark.parametrize("case, message", [
    ("count", "refs.txt: has 1 lines but .*hyps.txt has 2"),
    ("empty", "hyps.txt:2: empty hypothesis"),
    ("missing", "nope.txt: file not found"),
    ("utf8", "hyps.txt:2: not valid UTF-8"),
    ("keywords", "kw.jsonl:2: not JSON"),
    ("noref", "line 1: no non-empty reference"),
])
def test_metrics_bad_input_names_file_and_line(tmp_path, capsys, case, message):
    hyps = write(tmp_path / "hyps.txt", ["Dobrý den.", "Na shledanou."])
    refs = write(tmp_path / "refs.txt", ["Dobrý den.", "Ahoj."])
    extra: list[str] = []
    if case == "count":
        write(refs, ["Dobrý den."])
    elif case == "empty":
        write(hyps, ["Dobrý den.", "  "])
    elif case == "missing":
        refs = tmp_path / "nope.txt"
    elif case == "utf8":
        hyps.write_bytes("Dobrý den.\n".encode() + b"\xff\xfe bad\n")
    elif case == "keywords":
        extra = ["--keywords", str(write(tmp_path / "kw.jsonl", ['["den"]', "[den"]))]
    elif case == "noref":
        write(refs, [" ", "Ahoj."])
    assert main(["metrics", "--lang", "cs", "--refs", str(refs), *extra, str(hyps)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    import re

    assert re.search(message, err), err


def test_metrics_unknown_language_is_rejected(tmp_path, capsys):
    hyps = write(tmp_path / "h.txt", ["x"])
    with pytest.raises(SystemExit) as exc:
        main(["metrics", "--lang", "xx", "--refs", str(hyps), str(hyps)])
    assert exc.value.code == 2
    assert "invalid choice: 'xx'" in capsys.readouterr().err


def test_metrics_allow_empty_scores_empty_lines_as_zero(tmp_path, capsys):
    hyps = write(tmp_path / "hyps.txt", [SENTENCES["vi"][0], ""])
    refs = write(tmp_path / "refs.txt", list(SENTENCES["vi"]))
    assert main(["metrics", "--lang", "vi", "--allow-empty", "--metrics", "bleu,rouge_l", "--refs", str(refs), str(hyps)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scores"]["rouge_l"] == pytest.approx(50.0)


def test_run_scores_at_the_end_and_score_rescores(tmp_path, capsys):
    data = write_dataset(tmp_path / "data", ("vi",), per_axis=2)
    out = tmp_path / "run"
    assert main(["run", "--model", "reference:thick", "--data", str(data), "--langs", "vi", "--output", str(out),
                 "--quiet", "--verbose"]) == 0
    out_text, err = capsys.readouterr()
    assert "mella_vi_ling      meteor" in err and "100.00" in err and "signatures:" in err  # --verbose: every metric
    assert "tok:mella-vi-syllables" in err
    assert "ling METEOR     100.0±0" in out_text  # the headline, on stdout
    assert "tok:mella-vi-syllables" in (out / "scores.md").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["tasks"]["mella_vi_know"]["metrics"]["keyword_acc"]["value"] == pytest.approx(100.0)
    (out / "summary.json").unlink()
    assert main(["score", str(out), "--quiet", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "summary.json").read_text(encoding="utf-8")) == summary
