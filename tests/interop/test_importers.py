"""Importers write validated manifests and report every record they could not convert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import png_bytes
from mella_bench.cli import main
from mella_bench.data.dataset import DataError, load


def _xm3600(tmp_path: Path) -> tuple[Path, Path]:
    imgs = tmp_path / "xm_images"
    imgs.mkdir()
    (imgs / "abc.jpg").write_bytes(png_bytes())  # content sniffed, not the suffix
    (imgs / "def.jpg").write_bytes(png_bytes((0, 0, 255)))
    caps = tmp_path / "captions.jsonl"
    lines = [
        {"image/key": "abc", "th": {"caption": ["แมวนอนอยู่บนโซฟา"]}, "vi": {"caption": ["Con mèo nằm trên ghế sofa.", "Mèo ngủ."]}},
        {"image/key": "def", "th": {"caption": ["รถสีน้ำเงิน"]}},
        {"image/key": "missing", "th": {"caption": ["ไม่มีภาพ"]}},
    ]
    caps.write_text("\n".join(json.dumps(l, ensure_ascii=False) for l in lines) + "\n", encoding="utf-8")
    return caps, imgs


def test_xm3600_import(tmp_path: Path):
    caps, imgs = _xm3600(tmp_path)
    assert main(["data", "import", "xm3600", str(caps), "--images", str(imgs), "--langs", "th,vi",
                 "--output", str(tmp_path / "out")]) == 0
    ds = load(tmp_path / "out")
    assert sorted(it.id for it in ds.items) == ["th-xm3600-abc", "th-xm3600-def", "vi-xm3600-abc"]
    vi = next(it for it in ds.items if it.lang == "vi")
    assert vi.axis == "ling" and vi.references == ("Con mèo nằm trên ghế sofa.", "Mèo ngủ.")
    assert (tmp_path / "out" / "images" / "abc.jpg").is_file() and not (tmp_path / "out" / "images" / "abc.jpg").is_symlink()


def test_xm3600_reports_skipped_records(tmp_path: Path, capsys):
    from mella_bench.interop.datasets import import_xm3600

    caps, imgs = _xm3600(tmp_path)
    rep = import_xm3600(caps, imgs, ("th", "vi"), tmp_path / "out")
    assert rep.items == 3
    assert any("missing.jpg not found" in s for s in rep.skipped)
    assert any("no 'vi' caption for def" in s for s in rep.skipped)


def test_conversations_import_know_needs_keywords(tmp_path: Path):
    from mella_bench.interop.datasets import import_conversations

    imgs = tmp_path / "imgs"
    imgs.mkdir()
    (imgs / "a.png").write_bytes(png_bytes())
    (imgs / "b.png").write_bytes(png_bytes())
    src = tmp_path / "sft.json"
    src.write_text(json.dumps([
        {"id": "1", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nอธิบาย"},
                                                        {"from": "gpt", "value": "ผัดไทยในตลาดน้ำ"}]},
        {"id": "2", "image": "b.png", "conversations": [{"from": "human", "value": "<image>"},
                                                        {"from": "gpt", "value": "วัดอรุณยามเย็น"}]},
        {"id": "3", "image": "../escape.png", "conversations": [{"from": "gpt", "value": "x"}]},
    ], ensure_ascii=False), encoding="utf-8")
    kw = tmp_path / "kw.jsonl"
    kw.write_text(json.dumps({"id": "1", "keywords": ["ผัดไทย"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    rep = import_conversations(src, imgs, "th", "know", tmp_path / "out", kw)
    assert rep.items == 1
    assert any("(2): know item without keywords" in s for s in rep.skipped)
    assert any("(3): image '../escape.png' not found" in s for s in rep.skipped)
    item = load(tmp_path / "out").items[0]
    assert item.id == "th-know-1" and item.keywords == ("ผัดไทย",) and item.references == ("ผัดไทยในตลาดน้ำ",)


def test_conversations_import_with_nothing_valid_fails_loudly(tmp_path: Path):
    from mella_bench.interop.datasets import import_conversations

    src = tmp_path / "sft.jsonl"
    src.write_text('{"id": "1", "image": "nope.png", "conversations": []}\n', encoding="utf-8")
    with pytest.raises(DataError, match="holds no items"):
        import_conversations(src, tmp_path, "vi", "ling", tmp_path / "out")


def test_conversations_import_keeps_images_of_the_same_name_apart(tmp_path: Path):
    """th/0001.png and ko/0001.png are two images; a re-import over an old folder never keeps a stale one."""
    from mella_bench.interop.datasets import import_conversations

    imgs = tmp_path / "imgs"
    for sub, colour in (("th", (255, 0, 0)), ("ko", (0, 0, 255))):
        (imgs / sub).mkdir(parents=True)
        (imgs / sub / "0001.png").write_bytes(png_bytes(colour))
    records = [{"id": sub, "image": f"{sub}/0001.png",
                "conversations": [{"from": "human", "value": "<image>"}, {"from": "gpt", "value": "ข้อความ"}]}
               for sub in ("th", "ko")]
    src = tmp_path / "sft.json"
    src.write_text(json.dumps(records), encoding="utf-8")
    out = tmp_path / "out"
    (out / "images" / "th").mkdir(parents=True)
    (out / "images" / "th" / "0001.png").write_bytes(png_bytes((0, 255, 0)))  # left over from an earlier import
    import_conversations(src, imgs, "th", "ling", out)
    ds = load(out)
    got = {it.meta["source_id"]: ds.image_bytes(it) for it in ds.items}
    assert got == {sub: (imgs / sub / "0001.png").read_bytes() for sub in ("th", "ko")}


def test_conversations_import_without_lang_says_so(tmp_path: Path, capsys):
    assert main(["data", "import", "conversations", str(tmp_path / "sft.json"), "--images", str(tmp_path),
                 "--output", str(tmp_path / "out")]) == 2
    assert "needs --lang" in capsys.readouterr().err
