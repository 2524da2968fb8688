"""Rubric files: every shipped rubric validates, covers all 8 languages, renders, and hashes its content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mella_bench.judge.rubric import JUDGES_DIR, RUBRIC_IDS, get_rubric, load_rubric
from mella_bench.langs import LANG_CODES
from mella_bench.data.yamlio import ConfigError


@pytest.mark.parametrize("rid", RUBRIC_IDS)
def test_shipped_rubrics_are_complete(rid: str) -> None:
    r = get_rubric(rid)
    assert sorted(r.anchors) == [1, 2, 3, 4, 5]
    assert set(r.checklists) == set(LANG_CODES) and all(r.checklists.values())
    props = list(r.output_schema["properties"])
    assert props[-1] == "score" and "evidence" in props[:-1]  # evidence before score
    assert len(r.hash) == 12 and r.hash == load_rubric(rid).hash


def test_cultural_depth_caps_invented_claims() -> None:
    caps = {c.max for c in get_rubric("cultural_depth").caps}
    assert caps == {2, 3}


@pytest.mark.parametrize("lang", LANG_CODES)
def test_render_inserts_language_checklist(lang: str) -> None:
    r = get_rubric("linguistic_fluency")
    system, user = r.render(lang=lang, prompt="PROMPT-X", candidate="CAND-Y", references=("REF-1", "REF-2"),
                            keywords=("kw1",), images=False)
    assert "JSON" in system and "never translate" in system
    assert r.checklists[lang][0] in user and "CAND-Y" in user and "[2] REF-2" in user and "kw1" in user
    assert "cannot see the image" in user and "$" not in user.replace("$schema", "")
    other = next(c for c in LANG_CODES if c != lang)
    assert r.checklists[other][0] not in user


def test_render_pairwise_and_image_note() -> None:
    r = get_rubric("cultural_depth")
    _, user = r.render_pairwise(lang="th", prompt="p", candidate_a="AAA", candidate_b="BBB", references=("r",),
                                keywords=(), images=True)
    assert user.index("AAA") < user.index("BBB") and "PAIRWISE" in user and "image is attached" in user
    assert '"winner"' in user


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "judges"
    shutil.copytree(JUDGES_DIR, dst)
    return dst


def test_hash_changes_with_rubric_or_template(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    before = load_rubric("cultural_depth", folder).hash
    path = folder / "cultural_depth.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Thin. Correct", "Thin. Right"), encoding="utf-8")
    after = load_rubric("cultural_depth", folder).hash
    assert after != before
    tpl = folder / "_template.yaml"
    tpl.write_text(tpl.read_text(encoding="utf-8").replace("strict, calibrated", "strict"), encoding="utf-8")
    assert load_rubric("cultural_depth", folder).hash not in (before, after)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace("  vi:\n", "  xx:\n", 1), "checklists"),
    (lambda s: s.replace("  5: Expert", "  6: Expert"), "anchors"),
    (lambda s: s.replace("    score:\n", "    zscore:\n").replace("evidence, score]", "evidence, zscore]"), "score"),
    (lambda s: s + "\nextra_key: 1\n", "unknown key"),
    (lambda s: s.replace("{field: unsupported_claims, where: {hedged: false}",
                         "{field: nope, where: {hedged: false}"), "not in output_schema"),
])
def test_invalid_rubric_names_file_and_key(tmp_path: Path, edit, message: str) -> None:
    folder = _copy(tmp_path)
    path = folder / "cultural_depth.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as ei:
        load_rubric("cultural_depth", folder)
    assert "cultural_depth.yaml" in str(ei.value)


def test_unknown_rubric() -> None:
    with pytest.raises(ConfigError, match="available: cultural_depth, linguistic_fluency, visual_faithfulness"):
        load_rubric("nope")
