"""Keyword warnings during data validation (mella_bench/keyword_audit.py via data.validate)."""

from __future__ import annotations

import json
from pathlib import Path

from mella_bench.cli import main
from mella_bench.data import validate
from mella_bench.keyword_audit import keyword_warnings


def _write(tmp_path: Path, items: list[dict]) -> Path:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "img.png")
    lines = [json.dumps({"id": f"x-{i}", "image": "img.png", **it}, ensure_ascii=False) for i, it in enumerate(items)]
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_keyword_absent_from_every_reference_is_a_warning_with_file_and_line(tmp_path, capsys):
    root = _write(tmp_path, [
        {"lang": "hu", "axis": "know", "references": ["A tavon vitorlások úsznak a Balatonon."], "keywords": ["tó", "Balaton"]},
        {"lang": "cs", "axis": "know", "references": ["Kočka leží na gauči."], "keywords": ["ležák"]},
        {"lang": "ar", "axis": "know", "references": ["اشترينا سمكة كبيرة من السوق."], "keywords": ["مكة", "سوق"]},
    ])
    ds, problems = validate(root)
    assert problems == [] and ds is not None and len(ds.items) == 3  # warnings never fail validation
    text = [str(w) for w in ds.warnings]
    assert any(":2: field 'keywords'" in t and "'ležák' occurs in none" in t for t in text)
    assert any(":3: field 'keywords'" in t and "'مكة' occurs in none" in t for t in text)
    assert not any("'Balaton'" in t or "'سوق'" in t for t in text)
    assert any(":1:" in t and "'tó' is very short" in t for t in text)  # found inflected, but short
    assert not any(":1:" in t and "'tó' occurs in none" in t for t in text)
    assert main(["data", "validate", str(root)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "ležák" in err


def test_ling_items_and_good_keywords_give_no_warning():
    assert keyword_warnings("ru", ["Красная площадь"], ["Люди гуляют по Красной площади."]) == []
    assert keyword_warnings("ko", ["경복궁"], ["경복궁에서 사진을 찍는다."]) == []
    assert keyword_warnings("ko", ["절"], ["가을은 독서의 계절이다."])[0][1].startswith("keyword '절' occurs in none")


KNOWN_DEMO_WARNINGS = ("manifest.jsonl:77: field 'keywords': keyword 'สามล้อ' occurs in none of this item's references",)
"""Thai สามล้อ is inside the compound รถสามล้อเครื่อง, which newmm keeps whole; Keyword Accuracy no
longer splits compounds (issue 19: it accepted ส้ม in ส้มตำ). Renaming the demo keyword changes the
item's content hash and so every committed run: left for a change that regenerates the runs."""


def test_the_demo_set_validates_with_only_the_known_keyword_warning():
    ds, problems = validate("demo")
    assert problems == [] and ds is not None
    warnings = [str(w) for w in ds.warnings]
    assert len(warnings) == len(KNOWN_DEMO_WARNINGS)
    assert all(known in w for w, known in zip(sorted(warnings), KNOWN_DEMO_WARNINGS))
