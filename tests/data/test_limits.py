"""Bounded inputs: an image bomb, a huge reference or a runaway answer fails its item alone; data
validate names file and line; a metric that crashes on one task leaves the other tasks scored."""

from __future__ import annotations

import io
import json
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

from mella_bench.cli import main
from mella_bench.data.dataset import load, validate
from mella_bench.data.images import decode_rgb
from mella_bench.data.limits import Limits
from mella_bench.store import SCORES, SUMMARY, load_header, load_predictions, read_json, read_jsonl
from tests.conftest import write_dataset


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG whose header claims width x height (what Pillow's bomb check reads), with a token IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _edit(data: Path, item_id: str, **fields) -> int:
    """Change fields of one manifest record; returns its 1-based line."""
    path = data / "manifest.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if rec["id"] == item_id:
            rec.update(fields)
            lines[i] = json.dumps(rec, ensure_ascii=False)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return i + 1
    raise KeyError(item_id)


def test_data_validate_reports_a_decompression_bomb_with_file_line_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = write_dataset(tmp_path / "data", langs=("th",), per_axis=2)
    (data / "images/th-know-0000.png").write_bytes(bomb_png())
    assert main(["data", "validate", str(data)]) == 1
    err = capsys.readouterr().err
    assert f"{data / 'manifest.jsonl'}:1: field 'image':" in err
    assert "20000x20000" in err and "max_image_pixels" in err and "Traceback" not in err
    ds, problems = validate(data)
    assert ds is not None and [p.limit for p in problems] == ["max_image_pixels"]
    assert [it.id for it in ds.items if it.over_limit] == ["th-know-0000"]


def test_an_oversized_item_fails_alone_in_run_and_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = write_dataset(tmp_path / "data", langs=("th",), per_axis=3)
    (data / "images/th-know-0000.png").write_bytes(bomb_png())
    line = _edit(data, "th-ling-0001", references=["ก" * 30000])
    assert main(["data", "validate", str(data)]) == 1
    err = capsys.readouterr().err
    assert f":{line}: field 'references[0]': is 30,000 characters" in err and "max_reference_chars" in err
    out = tmp_path / "run"
    argv = ["run", "--model", "reference:thick", "--langs", "th", "--data", str(data), "--output", str(out), "--quiet"]
    assert main(argv) == 4  # two failures > --max-failure-rate 0
    preds = {p.item_id: p for p in load_predictions(out).values()}
    assert preds["th-know-0000"].status == "error" and "max_image_pixels" in preds["th-know-0000"].error
    assert preds["th-ling-0001"].status == "error" and "max_reference_chars" in preds["th-ling-0001"].error
    assert sum(p.status == "ok" for p in preds.values()) == 4
    summary = read_json(out / SUMMARY)
    assert summary["tasks"]["mella_th_ling"]["metrics"]["meteor"]["n"] == 2
    assert summary["tasks"]["mella_th_know"]["metrics"]["keyword_acc"]["value"] == 100.0
    assert main([*argv, "--max-failure-rate", "0.5"]) == 0


def test_a_runaway_answer_is_stored_as_a_failure(tmp_path: Path):
    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=1)
    out = tmp_path / "run"
    assert main(["run", "--model", "reference:thick", "--langs", "vi", "--data", str(data), "--output", str(out),
                 "--quiet", "--max-answer-chars", "10", "--max-failure-rate", "1"]) == 0
    preds = list(load_predictions(out).values())
    assert preds and all(p.status == "error" and p.text == "" and "max_answer_chars" in p.error for p in preds)
    assert load_header(out)["config"]["limits"]["max_answer_chars"] == 10


def test_a_metric_crash_stays_in_its_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]):
    import mella_bench.metrics.score as score

    data = write_dataset(tmp_path / "data", langs=("th", "vi"), per_axis=1)
    out = tmp_path / "run"
    argv = ["run", "--model", "reference:thick", "--langs", "th,vi", "--data", str(data), "--output", str(out),
            "--quiet", "--tasks", "mella_th_ling,mella_vi_ling"]
    real = score.score_corpus

    def flaky(corpus, metrics, pool):
        if metrics == ["meteor"] and corpus.lang == "th":
            raise RuntimeError("java.lang.OutOfMemoryError: Java heap space")
        return real(corpus, metrics, pool)

    monkeypatch.setattr(score, "score_corpus", flaky)
    assert main(argv) == 0
    assert "meteor failed on task mella_th_ling" in capsys.readouterr().err
    summary = read_json(out / SUMMARY)["tasks"]
    assert summary["mella_th_ling"]["metrics"]["meteor"]["value"] is None
    assert summary["mella_th_ling"]["metrics"]["bleu"]["value"] == pytest.approx(100.0)
    assert summary["mella_vi_ling"]["metrics"]["meteor"]["value"] == pytest.approx(100.0, abs=0.5)
    rows = [r for r in read_jsonl(out / SCORES) if r["task"] == "mella_th_ling" and r["metric"] == "meteor"]
    assert rows and all(r["status"] == "failed" and "OutOfMemoryError" in r["reason"] for r in rows)


def test_a_non_utf8_manifest_line_is_named(tmp_path: Path):
    data = write_dataset(tmp_path / "data", langs=("cs",), per_axis=1)
    path = data / "manifest.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace("Pražský".encode(), "Pra\xbesk\xfd".encode("latin-1"))
    path.write_bytes(b"\n".join(lines))
    ds, problems = validate(data)
    assert ds is None
    assert [(p.line, "not UTF-8" in p.message) for p in problems] == [(2, True)]


def _big_png(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (width, height), 1).save(buf, format="PNG")
    return buf.getvalue()


def test_no_raw_pillow_warning_for_large_images(tmp_path: Path, capfd: pytest.CaptureFixture[str]):
    data = write_dataset(tmp_path / "data", langs=("hu",), per_axis=1)
    big = _big_png(9500, 9500)  # 90.25 MP: above Pillow's own warning threshold (~89.5 MP)
    (data / "images/hu-know-0000.png").write_bytes(big)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds, problems = validate(data)  # default limit: reported as a problem, not a warning
        assert ds is not None and problems[0].limit == "max_image_pixels"
        ds = load(data, Limits(max_image_pixels=100_000_000))  # raised limit: accepted, still no warning
        assert not any(it.over_limit for it in ds.items)
        assert decode_rgb(big).size == (9500, 9500)
    assert not [w for w in caught if "DecompressionBomb" in type(w.message).__name__]
    assert "DecompressionBomb" not in capfd.readouterr().err


def test_16_bit_png_is_rescaled_not_saturated():
    from PIL import Image

    arr = np.full((4, 4), 32768, dtype=np.uint16)  # mid grey in 16 bits
    arr[0, 0] = 0
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    from mella_bench.inference.backends import hf  # the local-model decode path

    for decode in (decode_rgb, hf._decode_image):
        rgb = decode(buf.getvalue())
        assert rgb.mode == "RGB"
        assert rgb.getpixel((1, 1)) == (128, 128, 128) and rgb.getpixel((0, 0)) == (0, 0, 0)
