"""Hostile data and task files: a lone surrogate in a reference, terminal control sequences in answers,
references and ids, a 1.2-million-character imported answer, `stop` given as a string, task settings
of the wrong type, a task file linked to a file outside its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.conftest import png_bytes
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.faults.conftest import TASKS

ESC_TEXT = "Phở bò Hà Nội \x1b]0;pwned\x07 \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J\x9b31m kết thúc"


def _manifest(root: Path, records: list[dict], raw_lines: list[str] = ()) -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = list(raw_lines)
    for i, rec in enumerate(records):
        img = f"images/{i}.png"
        (root / img).write_bytes(png_bytes((10 * i, 80, 120)))
        lines.append(json.dumps({"image": img, **rec}, ensure_ascii=False))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _vi(i: int, ref: str = "Bát phở bò trên bàn gỗ.", **kw) -> dict:
    return {"id": f"vi-know-{i:04d}", "lang": "vi", "axis": "know", "references": [ref], "keywords": ["phở"], **kw}


# ---------------------------------------------------------------- a lone surrogate (defect 3)

def test_a_lone_surrogate_is_refused_with_file_line_and_field_by_validate_run_and_import(
        tmp_path: Path, fault_tasks: Path, capsys: pytest.CaptureFixture[str]):
    # "\udc80" is valid JSON (an escape) but not Unicode text: it cannot be written as UTF-8
    bad = json.dumps({**_vi(1), "image": "images/1.png"}, ensure_ascii=False).replace("Bát", "B\\udc80t")
    data = _manifest(tmp_path / "data", [_vi(0)])
    (data / "images" / "1.png").write_bytes(png_bytes())
    with (data / "manifest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(bad + "\n")
    assert main(["data", "validate", str(data), "--no-audit"]) == 1
    err = capsys.readouterr().err
    assert "manifest.jsonl:2" in err and "references[0]" in err and "surrogate" in err
    out = tmp_path / "run"
    assert main(["run", "--model", "reference:thick", "--include-path", str(fault_tasks), "--tasks", TASKS,
                 "--data", str(data), "--output", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "manifest.jsonl:2" in err and "references[0]" in err and not (out / "predictions.jsonl").exists()
    src = tmp_path / "slvqa_caption_vi_1.json"
    src.write_text('[{"question_id": "a/0.jpg", "question": "q", "answer": "Một bát phở.", '
                   '"annotation": "B\\udc80t ph\\u1edf"}]', encoding="utf-8")
    code = main(["data", "import", "slvqa", str(src), "--lang", "vi", "--output", str(tmp_path / "imported")])
    err = capsys.readouterr().err
    assert code == 1 and "surrogate" in err and "slvqa_caption_vi_1.json" in err
    assert not (tmp_path / "imported").exists()  # nothing half-written


# ---------------------------------------------------------------- terminal escapes (defect 8)

def test_show_and_data_validate_never_send_control_sequences_to_the_terminal(
        tmp_path: Path, fault_tasks: Path, capsys: pytest.CaptureFixture[str]):
    data = _manifest(tmp_path / "data", [_vi(0, ESC_TEXT), _vi(1)])
    out = tmp_path / "run"
    assert main(["run", "--model", "reference:thick", "--include-path", str(fault_tasks), "--tasks", "fault_vi_know",
                 "--data", str(data), "--output", str(out), "--quiet"]) == 0
    capsys.readouterr()
    for extra in ([], ["--json"]):
        assert main(["show", str(out), "vi-know-0000", *extra]) == 0
        shown = capsys.readouterr().out
        assert not any(c in shown for c in "\x1b\x07\x9b"), extra  # the answer and the reference hold them
        assert "]0;pwned" in shown and "kết thúc" in shown  # shown visibly, the text around kept
    evil_id = "vi-know-\x1b]0;owned\x07"
    bad = _manifest(tmp_path / "bad", [{**_vi(0), "id": evil_id}, {**_vi(1), "id": evil_id}])
    assert main(["data", "validate", str(bad), "--no-audit"]) == 1
    err = capsys.readouterr().err
    assert "duplicate id" in err and "\x1b" not in err and "\x07" not in err and "\\x1b]0;owned" in err


# ---------------------------------------------------------------- importers apply the limits (defect 11)

def test_importers_apply_the_answer_limit_of_run(tmp_path: Path, fault_tasks: Path,
                                                 capsys: pytest.CaptureFixture[str]):
    huge = "ผัดไทย" * 200_000  # 1.2 million characters, far over max_answer_chars (50,000)
    samples = tmp_path / "model-x" / "20261201_samples_fault_th_ling.jsonl"
    samples.parent.mkdir()
    samples.write_text("".join(json.dumps({"doc_id": i, "target": "", "filtered_resps": [huge if i == 0 else "ข้าว"],
                                           "input": "บรรยายภาพนี้อย่างละเอียด"}, ensure_ascii=False) + "\n"
                               for i in range(6)), encoding="utf-8")
    out = tmp_path / "imported"
    assert main(["data", "import", "lmms-eval", str(samples), "--task", "fault_th_ling", "--include-path",
                 str(fault_tasks), "--output", str(out)]) == 0
    preds = [json.loads(x) for x in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p["status"] for p in preds].count("error") == 1 and "max_answer_chars" in preds[0]["error"]
    assert preds[0]["text"] == "" and len((out / "predictions.jsonl").read_bytes()) < 10_000
    src = tmp_path / "slvqa_caption_vi_1.json"
    src.write_text(json.dumps([{"question_id": "a/0.jpg", "question": "q", "answer": huge, "annotation": "Phở."},
                               {"question_id": "a/1.jpg", "question": "q", "answer": "Phở.", "annotation": "Bún."}],
                              ensure_ascii=False), encoding="utf-8")
    assert main(["data", "import", "slvqa", str(src), "--lang", "vi", "--output", str(tmp_path / "slvqa")]) == 0
    preds = [json.loads(x) for x in (tmp_path / "slvqa" / "predictions.jsonl").read_text().splitlines()]
    assert [p["status"] for p in preds] == ["error", "ok"] and "max_answer_chars" in preds[0]["error"]


# ---------------------------------------------------------------- task files (defect 6, minor items)

def _task(folder: Path, generation: str, name: str = "fault_vi_stop") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(
        f"task: {name}\nversion: 1\nlang: vi\naxis: know\ndata: demo\nprompt: \"Mô tả.\"\n"
        f"metrics: [chrf++]\ngeneration:\n{generation}", encoding="utf-8")
    return folder


def test_stop_given_as_a_string_is_one_stop_string_not_its_characters(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    tasks = _task(tmp_path / "tasks", '  stop: "</s>"\n')
    monkeypatch.setenv("FAKE_KEY", "k")
    with FakeOpenAI(responder=lambda call: Reply("Bát phở bên sông Hồng</s>rác"), models=("served",)) as srv:
        assert main(["run", "--model", "served", "--backend", "openai", "--base-url", srv.base_url,
                     "--api-key-env", "FAKE_KEY", "--include-path", str(tasks), "--tasks", "fault_vi_stop",
                     "--output", str(tmp_path / "run"), "--quiet", "--limit", "2"]) == 0
        assert all(b.get("stop") == ["</s>"] for b in srv.bodies)
    preds = [json.loads(x) for x in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert {p["text"] for p in preds} == {"Bát phở bên sông Hồng"}  # cut at "</s>", not at the first "s"


@pytest.mark.parametrize("generation, field", [
    ('  max_new_tokens: "abc"\n', "generation.max_new_tokens"),
    ("  max_new_tokens: 0\n", "generation.max_new_tokens"),
    ("  temperature: -1\n", "generation.temperature"),
    ("  temperature: .nan\n", "generation.temperature"),
    ("  stop: [1, 2]\n", "generation.stop"),
])
def test_task_settings_of_the_wrong_type_are_refused_naming_file_and_field(tmp_path: Path, generation: str,
                                                                           field: str, capsys):
    tasks = _task(tmp_path / "tasks", generation)
    assert main(["tasks", "list", "--include-path", str(tasks)]) == 2
    err = capsys.readouterr().err
    assert "fault_vi_stop.yaml" in err and field in err and "Traceback" not in err


def test_a_task_file_linked_outside_its_folder_is_refused_without_echoing_its_lines(tmp_path: Path, capsys):
    secret = tmp_path / "elsewhere" / "id_key"
    secret.parent.mkdir()
    secret.write_text("SECRET-LINE-ONE: a: b\nsecret line two\n", encoding="utf-8")
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "evil.yaml").symlink_to(secret)
    assert main(["tasks", "list", "--include-path", str(tasks)]) == 2
    err = capsys.readouterr().err
    assert "evil.yaml" in err and "outside" in err and "SECRET" not in err and "secret line" not in err
