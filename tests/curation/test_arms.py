"""Training arms (mella_bench/curation/arms.py, `mella-bench data arms`): budgets, formats, manifest, leak refusal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from tests.conftest import SAMPLE, png_bytes

from mella_bench.curation import arms as A
from mella_bench.cli import main
from mella_bench.data.dataset import load

LANGS = ("cs", "ko", "th")
KNOW_ANSWERS = {  # written for the test: alt-text-like sentences naming culture things
    "cs": ["Svíčková na smetaně s knedlíkem na bílém talíři.", "Karlův most v Praze při západu slunce.",
           "Velikonoční kraslice v proutěném košíku.", "Orloj na Staroměstské radnici."],
    "ko": ["비빔밥 한 그릇과 고추장.", "추석에 먹는 송편 한 접시.", "경복궁 근정전의 지붕.", "한복을 입은 아이."],
    "th": ["ผัดไทยกุ้งสดบนจานสีขาว", "วัดอรุณริมแม่น้ำเจ้าพระยา", "เทศกาลสงกรานต์ที่ถนนข้าวสาร", "ต้มยำกุ้งในหม้อไฟ"],
}
LING_ANSWERS = {
    "cs": ["Na obrázku je červený dům se zelenými okny. Před domem stojí kolo.",
           "Modrá obloha a pod ní šedá ulice s několika auty.",
           "Žlutá cedule visí nad dveřmi malého obchodu.", "Na stole leží tři jablka a nůž."],
    "ko": ["빨간 지붕의 집 앞에 자전거가 서 있습니다.", "파란 하늘 아래 회색 도로에 차가 몇 대 있습니다.",
           "작은 가게 문 위에 노란 간판이 걸려 있습니다.", "탁자 위에 사과 세 개와 칼이 있습니다."],
    "th": ["บ้านหลังคาสีแดงมีจักรยานจอดอยู่ข้างหน้า", "ท้องฟ้าสีฟ้าและถนนสีเทามีรถหลายคัน",
           "ป้ายสีเหลืองแขวนอยู่เหนือประตูร้านเล็ก ๆ", "บนโต๊ะมีแอปเปิ้ลสามลูกและมีดหนึ่งเล่ม"],
}


def _write(root: Path, axis: str, answers: dict[str, list[str]], shade: int) -> Path:
    (root / "images").mkdir(parents=True)
    lines = []
    for li, lang in enumerate(LANGS):
        for i, text in enumerate(answers[lang]):
            iid = f"{lang}-{axis}-train-{i}"
            (root / f"images/{iid}.png").write_bytes(png_bytes((shade, 20 * li, 40 * i)))
            rec = {"id": iid, "lang": lang, "axis": axis, "image": f"images/{iid}.png", "references": [text]}
            if axis == "know":
                rec["keywords"] = [text.split()[0]]
            lines.append(json.dumps(rec, ensure_ascii=False))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def pools(tmp_path: Path) -> tuple[Path, Path, Path]:
    """D_know and D_ling (4 items per language) and a test set that shares nothing with them."""
    know = _write(tmp_path / "know", "know", KNOW_ANSWERS, 10)
    ling = _write(tmp_path / "ling", "ling", LING_ANSWERS, 200)
    test = tmp_path / "test"
    (test / "images").mkdir(parents=True)
    rec = {"id": "cs-know-test", "lang": "cs", "axis": "know", "image": "images/t.png",
           "references": [SAMPLE["cs"][0]], "keywords": SAMPLE["cs"][1]}
    (test / "images/t.png").write_bytes(png_bytes((1, 2, 3)))
    (test / "manifest.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    return know, ling, test


def _plan(pools, **kw) -> A.ArmPlan:
    know, ling, test = pools
    return A.plan_arms(load(know), load(ling), [load(test)], **kw)


def test_default_budget_is_matched_and_full_is_half_of_each(pools):
    plan = _plan(pools)
    assert plan.budget == 12
    assert {arm: len(ex) for arm, ex in plan.arms.items()} == {"culture": 12, "linguistic": 12, "full": 12}
    assert {e.source for e in plan.arms["culture"]} == {"know"}
    assert {e.source for e in plan.arms["linguistic"]} == {"ling"}
    full = [e.source for e in plan.arms["full"]]
    assert full.count("know") == 6 and full.count("ling") == 6
    # languages stay balanced in every arm: 2 of each language per source in full
    assert sorted(e.item.lang for e in plan.arms["full"] if e.source == "know") == ["cs", "cs", "ko", "ko", "th", "th"]
    # full's halves are prefixes of the single arms' orders (nested samples, same seed)
    assert [e.item.id for e in plan.arms["full"] if e.source == "know"] == [e.item.id for e in plan.arms["culture"][:6]]


def test_budget_n_union_and_seed(pools):
    plan = _plan(pools, budget=6, full_budget="union")
    assert [len(plan.arms[a]) for a in A.ARM_NAMES] == [6, 6, 12]
    assert plan.arms["full"] == plan.arms["culture"] + plan.arms["linguistic"]
    other = _plan(pools, budget=6, seed=1)
    assert [e.item.id for e in other.arms["culture"]] != [e.item.id for e in plan.arms["culture"]]
    assert _plan(pools, budget=6).arms == _plan(pools, budget=6).arms  # deterministic


def test_token_budget_counts_answer_tokens_per_language(pools):
    plan = _plan(pools, budget_unit="tokens", budget=20)
    for arm in ("culture", "linguistic", "full"):
        used = sum(e.tokens for e in plan.arms[arm])
        assert 0 < used <= 20
    # Thai has no spaces: the count comes from the word segmenter, not from whitespace
    th = next(e for e in plan.arms["culture"] + plan.arms["linguistic"] if e.item.lang == "th")
    assert th.tokens > len(th.answer.split())


def test_budget_larger_than_a_dataset_is_refused(pools):
    with pytest.raises(ValueError, match="more than D_know holds"):
        _plan(pools, budget=13)


def test_leak_by_image_or_reference_text_is_refused_and_nothing_written(pools, tmp_path):
    know, ling, test = pools
    leaked_ref = "  " + LING_ANSWERS["ko"][2].upper().replace(" ", "  ") + " "  # same text up to case and spaces
    rec = [{"id": "x-img", "lang": "th", "axis": "know", "image": "images/same.png", "references": ["อื่น ๆ"],
            "keywords": ["อื่น"]},
           {"id": "x-ref", "lang": "ko", "axis": "ling", "image": "images/t.png", "references": [leaked_ref]}]
    (test / "images/same.png").write_bytes((know / "images/th-know-train-1.png").read_bytes())
    (test / "manifest.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rec),
                                         encoding="utf-8")
    with pytest.raises(A.LeakError) as err:
        A.build_arms(know, ling, tmp_path / "out", tests=[test])
    hows = {(lk.train_id, lk.test_id, lk.how) for lk in err.value.leaks}
    assert ("th-know-train-1", "x-img", "image") in hows
    assert ("ko-ling-train-2", "x-ref", "reference") in hows
    assert not (tmp_path / "out").exists()
    plan, files = A.build_arms(know, ling, tmp_path / "out", tests=[test], drop_leaks=True)
    kept = {e.item.id for ex in plan.arms.values() for e in ex}
    assert "th-know-train-1" not in kept and "ko-ling-train-2" not in kept
    manifest = json.loads(files.manifest.read_text(encoding="utf-8"))
    assert len(manifest["leak_check"]["dropped"]) == 2
    assert plan.budget == 11  # one item fewer in each pool: the matched budget shrinks with them


def test_three_formats_manifest_hashes_and_images(pools, tmp_path):
    know, ling, test = pools
    plan, files = A.build_arms(know, ling, tmp_path / "out", tests=[test], budget=6)
    out = files.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    llava = json.loads((out / "llava/culture.json").read_text(encoding="utf-8"))
    assert len(llava) == 6 and llava[0]["conversations"][0]["value"].startswith("<image>\n")
    first = plan.arms["culture"][0]
    assert llava[0]["conversations"][1] == {"from": "gpt", "value": first.answer}
    assert first.prompt in llava[0]["conversations"][0]["value"]  # the evaluation task's prompt
    share = json.loads((out / "sharegpt/full.json").read_text(encoding="utf-8"))
    assert [m["role"] for m in share[0]["messages"]] == ["user", "assistant"] and len(share[0]["images"]) == 1
    info = json.loads((out / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["mella_full"]["file_name"] == "sharegpt/full.json" and info["mella_full"]["formatting"] == "sharegpt"
    lines = (out / "internvl/linguistic.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[0])
    assert rec["id"] == 0 and (rec["width"], rec["height"]) == (32, 32)
    assert json.loads((out / "internvl/meta.json").read_text())["mella_linguistic"]["length"] == 6
    for r in llava + [json.loads(line) for line in lines]:  # every image path resolves, by content hash
        data = (out / r["image"]).read_bytes()
        assert r["image"].startswith(f"images/{hashlib.sha256(data).hexdigest()[:20]}")
    arm = manifest["arms"]["full"]
    assert arm["items"] == 6 and arm["by_source_lang"] == {"know/cs": 1, "know/ko": 1, "know/th": 1,
                                                           "ling/cs": 1, "ling/ko": 1, "ling/th": 1}
    assert manifest["budget"]["unit"] == "items" and manifest["budget"]["n"] == 6


def test_cli_writes_chosen_format_and_refuses_leak(pools, tmp_path, capsys):
    know, ling, test = pools
    out = tmp_path / "cli"
    assert main(["data", "arms", "--know", str(know), "--ling", str(ling), "--output", str(out),
                 "--test", str(test), "--budget", "items", "4", "--format", "llava"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["arms"] == {"culture": 4, "linguistic": 4, "full": 4}
    assert (out / "llava/full.json").is_file() and not (out / "sharegpt").exists()
    # the default test set is the demo set: the demo itself as training data is refused
    assert main(["data", "arms", "--know", "demo", "--ling", "demo", "--output", str(tmp_path / "leak")]) == 2
    err = capsys.readouterr().err
    assert "leak a test item" in err and "by image" in err and not (tmp_path / "leak").exists()
    assert main(["data", "arms", "--know", str(know), "--ling", str(ling), "--output", str(tmp_path / "x"),
                 "--test", str(test), "--budget", "words", "4"]) == 2
    assert "--budget takes" in capsys.readouterr().err
