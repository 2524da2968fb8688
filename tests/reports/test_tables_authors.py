"""The paper tables on the committed first-hand runs (results/mella-author-2024): both protocols,
the paired rows, the invalid Hungarian comparison, and `tables --check` failing on an edited
prediction. Runs on a trimmed copy (two languages, ten items each) to stay fast."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mella_bench.reports import tables as T

RESULTS = Path(__file__).resolve().parents[2] / "results"
RUNS = RESULTS / "mella-author-2024"
KEEP = ("slvqa_caption_hu", "slvqa_caption_ko")
BACKBONE = "InternVL2-8B, MELLA authors' outputs (first-hand)"


def _trimmed_copy(src: Path, dst: Path, per_task: int = 10) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("scores*.jsonl", "summary*.json", "cache.*.json"))
    header = json.loads((dst / "run.json").read_text(encoding="utf-8"))
    header["tasks"] = {k: v for k, v in header["tasks"].items() if k in KEEP}
    (dst / "run.json").write_text(json.dumps(header, ensure_ascii=False), encoding="utf-8")
    kept, seen = [], {}
    for line in (dst / "predictions.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["task"] in KEEP and seen.get(rec["task"], 0) < per_task:
            seen[rec["task"]] = seen.get(rec["task"], 0) + 1
            kept.append(line)
    (dst / "predictions.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    if not (RUNS / "internvl2-8b-baseline" / "run.json").is_file():
        pytest.fail("results/mella-author-2024 is missing from the checkout")
    return make_tables(tmp_path_factory.mktemp("tables"))


def make_tables(root: Path) -> Path:
    """Trimmed copies of the two runs, a tables config like the committed one, and its tables."""
    for name in ("internvl2-8b-baseline", "internvl2-8b-finetuned"):
        _trimmed_copy(RUNS / name, root / name)
    cfg_text = (RESULTS / "tables.yaml").read_text(encoding="utf-8")
    cfg = T.load_config(RESULTS / "tables.yaml")  # the committed config parses and names these runs
    assert any(b.name == BACKBONE for b in cfg.backbones)
    assert "mella-author-2024/internvl2-8b-baseline" in cfg_text
    (root / "tables.yaml").write_text(f"""\
output: tables
resamples: 200
backbones:
  - name: "{BACKBONE}"
    baseline: internvl2-8b-baseline
    mella: internvl2-8b-finetuned
    protocol_settings:
      mella-2024:
        baseline: {{hu: {{truncate: false}}, ko: {{truncate: false}}}}
    notes:
      - {{setting: mella, lang: ko, mark: "§", text: "a note on the Korean fine-tune", protocol: mella-2024}}
tables:
  - id: authors_protocol
    title: authors' scoring
    axis: ling
    protocol: mella-2024
    metrics: [bleu_4, meteor, rouge_l]
    paired: true
  - id: authors_outputs_mella_bench
    title: mella-bench protocol
    axis: ling
    metrics: [meteor, chrf++]
    paired: true
""", encoding="utf-8")
    T.write_tables(root / "tables.yaml")
    return root


def _cells(root: Path, table: str) -> dict[tuple[str, str], str]:
    text = (root / "tables" / f"{table}.csv").read_text(encoding="utf-8")
    import csv
    import io

    return {(r["row"], r["column"]): r["text"] for r in csv.DictReader(io.StringIO(text))}


def test_both_protocols_fill_the_languages_and_mark_the_invalid_hungarian_gain(setup):
    proto = _cells(setup, "authors_protocol")
    own = _cells(setup, "authors_outputs_mella_bench")
    paired = f"{BACKBONE} / {T.PAIRED_LABEL} / meteor"
    for cells in (proto, own):
        assert cells[(paired, "hu")] == T.NOT_COMPARABLE == "not comparable ‡"
        assert cells[(paired, "ko")].startswith(("+", "-")) and " p" in cells[(paired, "ko")]
        assert cells[(paired, "macro")] == "— ‡"
        assert cells[(f"{BACKBONE} / baseline / meteor", "ko")] != T.MISSING
        # every cell of the Hungarian comparison is marked, not only the Δ
        for setting in ("baseline", "+MELLA"):
            assert cells[(f"{BACKBONE} / {setting} / meteor", "hu")].endswith("] ‡")
            assert not cells[(f"{BACKBONE} / {setting} / meteor", "ko")].endswith("‡")
    md = (setup / "tables" / "authors_protocol.md").read_text(encoding="utf-8")
    assert "- ‡ hu: the baseline and +MELLA runs do not score the same items — 0 of 100 common items are the same item" in md
    # each table says how its numbers were made: the protocol's own signature, not the run's summary.json, and
    # which row used which cut setting
    assert "protocol:mella-2024" in md and "tok:mella-" not in md
    sig = {line.split(": `", 1)[0]: line for line in md.splitlines() if line.startswith("- Signature of meteor")}
    assert "|cut:none|" in sig["- Signature of meteor — baseline [hu,ko]"]
    assert "|cut:1300chars|" in sig[f"- Signature of meteor — +MELLA [hu,ko]; {T.AS_MELLA_LABEL} [hu,ko]"]
    # the authors' METEOR (English, -norm) and ours (per-language settings) are different numbers
    assert proto[(f"{BACKBONE} / +MELLA / meteor", "ko")].split(" [")[0] != own[(f"{BACKBONE} / +MELLA / meteor", "ko")]


def _value(text: str) -> float:
    return float(text.split(" ")[0])


def test_the_paired_row_compares_both_runs_under_the_fine_tunes_settings(setup):
    proto, own = _cells(setup, "authors_protocol"), _cells(setup, "authors_outputs_mella_bench")
    for metric in ("bleu_4", "meteor", "rouge_l"):
        as_mella = proto[(f"{BACKBONE} / {T.AS_MELLA_LABEL} / {metric}", "ko")]
        mella = proto[(f"{BACKBONE} / +MELLA / {metric}", "ko")]
        delta = proto[(f"{BACKBONE} / {T.PAIRED_LABEL} / {metric}", "ko")]
        assert _value(delta) == pytest.approx(_value(mella) - _value(as_mella), abs=0.011)
    # one setting only under mella-bench's protocol: no extra row
    assert not any(T.AS_MELLA_LABEL in row for row, _ in own)


def test_a_cell_note_marks_the_cell_its_macro_and_its_delta(setup):
    proto, own = _cells(setup, "authors_protocol"), _cells(setup, "authors_outputs_mella_bench")
    assert proto[(f"{BACKBONE} / +MELLA / meteor", "ko")].endswith("] §")
    assert proto[(f"{BACKBONE} / {T.PAIRED_LABEL} / meteor", "ko")].endswith(" §")
    assert not proto[(f"{BACKBONE} / baseline / meteor", "ko")].endswith("§")
    assert not own[(f"{BACKBONE} / +MELLA / meteor", "ko")].endswith("§")  # the note names the mella-2024 protocol
    md = (setup / "tables" / "authors_protocol.md").read_text(encoding="utf-8")
    assert "- § ko, +MELLA: a note on the Korean fine-tune" in md


def test_tables_check_passes_then_fails_on_an_edited_prediction(setup):
    ok, report = T.check_tables(setup / "tables.yaml")
    assert ok, report
    assert "were scored" not in report  # every mella-2024 item came from the item caches `tables` wrote
    assert (setup / "internvl2-8b-baseline" / "cache.mella-2024.json").is_file()
    path = setup / "internvl2-8b-finetuned" / "predictions.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    recs = [json.loads(line) for line in lines]
    target = next(i for i, r in enumerate(recs) if r["task"] == "slvqa_caption_ko")
    recs[target]["text"] = "전혀 다른 대답입니다."
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    ok, report = T.check_tables(setup / "tables.yaml")
    assert not ok
    assert "table authors_protocol, row" in report and "column 'ko'" in report
    assert "table authors_outputs_mella_bench, row" in report
    assert "1 mella-2024 item(s) were not in the runs' item caches and were scored" in report  # only the edited one
