"""Keyword warnings during data validation (mella_bench/data/keyword_audit.py via data.validate)."""

from __future__ import annotations

import json
from pathlib import Path

from mella_bench.cli import main
from mella_bench.data.dataset import validate
from mella_bench.data.keyword_audit import keyword_warnings


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


KNOWN_DEMO_WARNINGS = ("manifest.jsonl:25: field 'keywords': keyword 'gulyás' occurs in none of this item's references",
                       "manifest.jsonl:27: field 'keywords': keyword 'Kalocsa' occurs in none of this item's references",
                       "manifest.jsonl:77: field 'keywords': keyword 'สามล้อ' occurs in none of this item's references")
"""Hungarian gulyás: the references say *gulyásleves* (head leves), which since round 10 of issue 19 is
another word (Hunspell stems it apart from gulyás), as *adatbázis* is not adat, and *Bográcsgulyás*, a
compound the keyword ends, which a whole-word match never found.
Hungarian Kalocsa: the reference says only *kalocsai* (the adjective, "of Kalocsa"), which since
round 9 of issue 19 is another word, as Czech *německou* is not Německo. Thai สามล้อ is inside the
compound รถสามล้อเครื่อง, which newmm keeps whole; Keyword Accuracy no longer splits compounds (issue
19: it accepted ส้ม in ส้มตำ). Renaming a demo keyword changes the item's content hash and so every
committed run: left for a change that regenerates the runs."""


def test_very_short_is_read_from_the_language_entry():
    from mella_bench.langs import LANGUAGES

    short = lambda lang, kw, ref: [m for _, m in keyword_warnings(lang, [kw], [ref]) if "very short" in m]  # noqa: E731
    assert LANGUAGES["ko"].short_keyword_chars == 1  # a Hangul character is a whole syllable
    assert short("ko", "절", "산속의 절에 갔다.") and not short("ko", "한옥", "한옥 마을을 걸었다.")
    assert short("hu", "tó", "A tó partján ültünk.") and not short("hu", "híd", "A híd alatt hajó megy.")


def test_the_demo_set_validates_with_only_the_known_keyword_warnings():
    ds, problems = validate("demo")
    assert problems == [] and ds is not None
    warned = sorted((w.line, w.message.split("'")[1], w.message.split("'")[2].split(";")[0].strip())
                    for w in ds.warnings)
    assert warned == [(3, "مصر", "is a common word of the language (frequency rank 127 in wordfreq)"),
                      (25, "gulyás", "occurs in none of this item"),  # KNOWN_DEMO_WARNINGS
                      (26, "budapesti", "is a common word of the language (frequency rank 401 in wordfreq)"),
                      (27, "Kalocsa", "occurs in none of this item"),  # KNOWN_DEMO_WARNINGS
                      (37, "서울", "is a common word of the language (frequency rank 187 in wordfreq)"),
                      (77, "สามล้อ", "occurs in none of this item"),  # KNOWN_DEMO_WARNINGS
                      (85, "phở", "is a single syllable"),
                      (90, "phin", "is a single syllable")]
    assert all(any(known in str(w) for w in ds.warnings) for known in KNOWN_DEMO_WARNINGS)


def test_one_syllable_vietnamese_keyword_is_a_warning_with_file_and_line(tmp_path):
    root = _write(tmp_path, [
        {"lang": "vi", "axis": "know", "references": ["Cây cầu bắc qua sông Hàn ở Đà Nẵng."], "keywords": ["cầu", "sông Hàn"]},
        {"lang": "vi", "axis": "know", "references": ["Tượng Phật trong chùa được dát vàng."], "keywords": ["tượng", "Đà Nẵng"]},
        {"lang": "vi", "axis": "know", "references": ["Mọi người đón Tết ở đình làng."], "keywords": ["Tết", "đình làng"]},
    ])
    ds, problems = validate(root)
    assert problems == [] and ds is not None
    text = [str(w) for w in ds.warnings]
    assert any(t.endswith("manifest.jsonl:1: field 'keywords': keyword 'cầu' is a single syllable; in Vietnamese "
                          "it is part of many compounds and counts only where the word segmenter splits it off, prefer the whole "
                          "word") for t in text)
    assert any(":2: field 'keywords'" in t and "'tượng' is a single syllable" in t for t in text)
    assert not any("sông Hàn" in t or "đình làng" in t or "'Tết'" in t for t in text)  # compounds and names pass


def test_common_word_keyword_is_a_warning_and_names_are_not(tmp_path):
    root = _write(tmp_path, [
        {"lang": "ru", "axis": "know", "references": ["Старый деревянный дом в Суздале."], "keywords": ["дом", "Суздаль"]},
        {"lang": "cs", "axis": "know", "references": ["Staré město v Praze je plné turistů."], "keywords": ["město", "Praha"]},
        {"lang": "th", "axis": "know", "references": ["บ้านไม้ริมคลองในอัมพวา"], "keywords": ["บ้าน", "อัมพวา"]},
        {"lang": "ru", "axis": "know", "references": ["Красная площадь в Москве зимой."], "keywords": ["Москва"]},
        {"lang": "hu", "axis": "know", "references": ["Lángost esznek a strandon."], "keywords": ["lángos"]},
    ])
    ds, problems = validate(root)
    assert problems == [] and ds is not None
    common = {(w.line, w.message.split("'")[1]) for w in ds.warnings if "common word" in w.message}
    assert common == {(1, "дом"), (2, "město"), (3, "บ้าน")}  # not the name Москва, not the dish lángos
