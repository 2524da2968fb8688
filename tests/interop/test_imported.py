"""Importing predictions made elsewhere (mella_bench.interop.slvqa): the run directory it writes, the
reference-only items it creates, and every consumer of those items (score, run, judge, audit)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mella_bench.cli import main
from mella_bench.data.dataset import DataError, ReferenceOnlyError, load, validate
from mella_bench.interop.slvqa import ImportProblem, read_slvqa, write_imported_run

# Czech captions and answers written for this test, in the authors' `slvqa` layout
RECORDS = [
    {"question_id": "/data/SLVQA/CS/images/0.jpg", "question": "Popište tento obrázek.",
     "answer": "Na obrázku je Karlův most v Praze za soumraku, na mostě stojí lidé a fotografují.",
     "annotation": "Obrázek zachycuje Karlův most v Praze při západu slunce. Na mostě je mnoho turistů."},
    {"question_id": "/data/SLVQA/CS/images/1.jpg", "question": "Popište tento obrázek.",
     "answer": "Talíř se svíčkovou, knedlíky a brusinkami na bílém ubrusu.",
     "annotation": "Na talíři je svíčková na smetaně se šesti knedlíky, brusinkami a plátkem citronu."},
    {"question_id": "/data/SLVQA/CS/images/2.jpg", "question": "Popište tento obrázek.",
     "answer": "Staroměstský orloj s apoštoly a zlatými ručičkami.",
     "annotation": "Pražský orloj na Staroměstské radnici, detail astronomického ciferníku."},
]


def _file(tmp_path: Path, records=RECORDS, name: str = "slvqa_caption_cs_241206233327.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False, indent=4), encoding="utf-8")
    return path


def test_import_writes_a_run_directory_with_provenance_and_reference_only_items(tmp_path):
    src = _file(tmp_path)
    run = tmp_path / "run"
    res = write_imported_run(run, "InternVL2-8B + LoRA", [read_slvqa(src, "cs")])
    assert res.tasks == ("slvqa_caption_cs",) and res.items == 3 and res.failed == 0
    header = json.loads((run / "run.json").read_text(encoding="utf-8"))
    prov = header["tasks"]["slvqa_caption_cs"]["provenance"]
    assert prov["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert prov["repository"] == "gyfffffff/InternVL"
    assert prov["commit"] == "0180305b1c6af94dbdc8fd4905eb1626e470646f"
    assert prov["path_in_repository"] == "internvl_chat/xyz_caption_results/slvqa_caption_cs_241206233327.json"
    preds = [json.loads(x) for x in (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p["text"] for p in preds] == [r["answer"] for r in RECORDS]
    assert preds[0]["item_id"] == "slvqa_caption_cs-0.jpg"
    ds = load(run / "data")
    assert [it.image for it in ds.items] == [None, None, None]
    assert ds.items[1].references == (RECORDS[1]["annotation"],)
    with pytest.raises(ReferenceOnlyError, match="reference-only"):
        ds.image_bytes(ds.items[0])
    assert ds.image_or_none(ds.items[0]) is None


def test_a_second_file_adds_a_task_and_another_model_is_refused(tmp_path):
    run = tmp_path / "run"
    write_imported_run(run, "m", [read_slvqa(_file(tmp_path), "cs")])
    ko = [dict(r, question_id=f"/ko/{i}.jpg") for i, r in enumerate(RECORDS)]
    write_imported_run(run, "m", [read_slvqa(_file(tmp_path, ko, "slvqa_caption_ko_origin.json"), "ko")])
    header = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert sorted(header["tasks"]) == ["slvqa_caption_cs", "slvqa_caption_ko"]
    assert len((run / "predictions.jsonl").read_text(encoding="utf-8").splitlines()) == 6
    with pytest.raises(ImportProblem, match="another model"):
        write_imported_run(run, "other", [read_slvqa(_file(tmp_path), "cs")])


def test_a_bad_record_is_named_by_record_and_field(tmp_path):
    bad = RECORDS[:1] + [{"question_id": "x", "answer": 5, "annotation": "ok"}, {"question_id": "y", "answer": "a"}]
    with pytest.raises(DataError) as err:
        read_slvqa(_file(tmp_path, bad), "cs")
    text = str(err.value)
    assert "record 1" in text and "'answer'" in text and "record 2" in text and "'annotation'" in text


def test_manifest_needs_an_explicit_null_for_reference_only_items(tmp_path):
    (tmp_path / "manifest.jsonl").write_text(
        json.dumps({"id": "a", "lang": "cs", "axis": "ling", "image": None, "references": ["Most."]}) + "\n"
        + json.dumps({"id": "b", "lang": "cs", "axis": "ling", "references": ["Most."]}) + "\n", encoding="utf-8")
    ds, problems = validate(tmp_path)
    assert ds is None and len(problems) == 1 and problems[0].line == 2 and problems[0].field == "image"


def test_cli_import_score_and_refusal_to_generate(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["data", "import", "slvqa", str(_file(tmp_path)), "--lang", "cs", "--output", str(run),
                 "--model", "x"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 3
    assert main(["score", str(run), "--quiet"]) == 0
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    metrics = summary["tasks"]["slvqa_caption_cs"]["metrics"]
    assert metrics["chrf++"]["n"] == 3 and metrics["chrf++"]["value"] > 10
    assert metrics["fidelity"]["value"] == pytest.approx(100.0)
    capsys.readouterr()
    code = main(["run", "--model", "reference:thick", "--data", str(run / "data"), "--langs", "cs",
                 "--tasks", "mella_cs_ling", "--output", str(tmp_path / "gen"), "--quiet"])
    assert code != 0
    assert "reference-only" in capsys.readouterr().err
    assert not (tmp_path / "gen").exists()


def test_judge_text_only_mode_accepts_reference_only_items(tmp_path):
    from mella_bench.judge.pointwise import build_jobs
    from mella_bench.store import load_header

    run = tmp_path / "run"
    write_imported_run(run, "x", [read_slvqa(_file(tmp_path), "cs")])
    jobs = build_jobs(run, load_header(run))
    assert len(jobs) == 3 and {r.id for r, _ in jobs} == {"linguistic_fluency"}
    assert all(inp.image is None and inp.references for _, inp in jobs)


def test_audit_finds_wrong_language_references_and_different_reference_sets(tmp_path):
    from mella_bench.curation.audit import audit

    hu_refs = ["A képen a budapesti Lánchíd látható éjszaka, a Duna vizén fények tükröződnek.",
               "Egy tányér gulyásleves, mellette friss kenyér és piros paprika.",
               "A Parlament épülete napsütésben, előtte villamos halad el."]
    good = [dict(r, annotation=h) for r, h in zip(RECORDS, hu_refs)]
    answers = [dict(r, answer=h.replace("látható", "van")) for r, h in zip(good, hu_refs)]
    a, b = tmp_path / "a", tmp_path / "b"
    write_imported_run(a, "base", [read_slvqa(_file(tmp_path, RECORDS, "slvqa_caption_hu_origin.json"), "hu")])
    write_imported_run(b, "tuned", [read_slvqa(_file(tmp_path, answers, "slvqa_caption_hu_1.json"), "hu")])
    rep = audit([a, b])
    text = "\n".join(rep.findings)
    assert "3 of 3 references (100%) are not identified as 'hu'" in text and "cs 3" in text
    assert "references differ" in text and "0 of 3 common items identical" in text
    assert not any(str(b) + ":" in f and "not identified" in f for f in rep.findings)


def test_empty_references_are_skipped_and_listed_and_repeated_ids_fall_back_to_the_index(tmp_path):
    recs = RECORDS + [dict(RECORDS[0], annotation="  ")]
    task = read_slvqa(_file(tmp_path, recs), "cs")
    assert len(task.records) == 3 and task.skipped[0]["index"] == 3 and "empty reference" in task.skipped[0]["reason"]
    run = tmp_path / "run"
    write_imported_run(run, "x", [task])
    header = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert header["tasks"]["slvqa_caption_cs"]["skipped_records"][0]["index"] == 3
    # the fourth record repeats the first one's question id: ids come from the record index instead
    assert [r.item_id for r in task.records] == ["slvqa_caption_cs-0.jpg", "slvqa_caption_cs-1.jpg",
                                                 "slvqa_caption_cs-2.jpg"]
    dup = read_slvqa(_file(tmp_path, RECORDS + [RECORDS[0]], "slvqa_caption_cs_dup.json"), "cs")
    assert [r.item_id for r in dup.records] == [f"slvqa_caption_cs-{i:04d}" for i in range(4)]


def test_data_audit_writes_its_report_to_stdout_or_a_file(tmp_path, capsys):
    from mella_bench.cli import main

    run = tmp_path / "run"
    write_imported_run(run, "x", [read_slvqa(_file(tmp_path), "cs")])
    assert main(["data", "audit", str(run)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("language identification:") and str(run) in out and err == ""
    assert main(["data", "audit", str(run), "--out", str(tmp_path / "audit.txt")]) == 0
    assert (tmp_path / "audit.txt").read_text(encoding="utf-8").strip() == out.strip()
    assert capsys.readouterr().out == ""
    assert main(["data", "audit", str(run), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["sources"] and err.startswith("language identification:")
