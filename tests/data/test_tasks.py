"""Task registry: 16 tasks + groups, strict YAML, frozen prompts (snapshot), hash sensitivity."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from mella_bench.langs import LANG_CODES, parse_langs
from mella_bench.data.tasks import TASKS_DIR, load_registry, select_tasks
from mella_bench.data.yamlio import ConfigError

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "prompts.json"


def test_sixteen_tasks_and_groups():
    reg = load_registry()
    assert sorted(reg.tasks) == sorted(f"mella_{l}_{a}" for l in LANG_CODES for a in ("know", "ling"))
    assert len(reg.expand(["mella"])) == 16
    assert [t.name for t in reg.expand(["mella_th"])] == ["mella_th_know", "mella_th_ling"]
    assert {t.axis for t in reg.expand(["mella_know"])} == {"know"}
    assert {t.lang for t in reg.expand(["mella_ling"])} == set(LANG_CODES)


def test_prompts_match_snapshot():
    """Prompts are frozen: an edit must be deliberate (rerun with MELLA_UPDATE_SNAPSHOTS=1 and bump `version`)."""
    reg = load_registry()
    current = {t.name: {"prompt": t.prompt, "version": t.version, "hash": t.hash,
                        "generation": dataclasses.asdict(t.generation)} for t in reg.tasks.values()}
    current = json.loads(json.dumps(current))
    if os.environ.get("MELLA_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected


def test_prompts_are_in_the_target_language():
    """Cheap script check: each prompt is written in its language's script, not English."""
    import unicodedata

    script_of = {"ar": "ARABIC", "ko": "HANGUL", "ru": "CYRILLIC", "sr": "CYRILLIC", "th": "THAI",
                 "cs": "LATIN", "hu": "LATIN", "vi": "LATIN"}
    for t in load_registry().tasks.values():
        letters = [c for c in t.prompt if c.isalpha()]
        share = sum(unicodedata.name(c, "").startswith(script_of[t.lang]) for c in letters) / len(letters)
        assert share > 0.9, t.name
    assert "ő" in load_registry().tasks["mella_hu_know"].prompt


def test_hash_changes_with_prompt_and_generation():
    t = load_registry().tasks["mella_vi_ling"]
    assert dataclasses.replace(t, prompt=t.prompt + " ").hash != t.hash
    gen = dataclasses.replace(t.generation, max_new_tokens=17)
    assert dataclasses.replace(t, generation=gen).hash != t.hash
    assert dataclasses.replace(t, description="other words").hash == t.hash


def test_select_tasks_by_language():
    tasks = select_tasks(parse_langs("th,ko"))
    assert [t.name for t in tasks] == ["mella_ko_know", "mella_th_know", "mella_ko_ling", "mella_th_ling"]


def test_unknown_names_get_suggestions():
    with pytest.raises(ConfigError, match="did you mean mella_th_know"):
        load_registry().expand(["mella_th_knw"])
    with pytest.raises(ValueError, match="unknown language code"):
        parse_langs("th,xx")


def _copy_tasks(tmp_path: Path) -> Path:
    out = tmp_path / "tasks"
    out.mkdir()
    for f in TASKS_DIR.glob("*.yaml"):
        (out / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return out


@pytest.mark.parametrize("mutation,message", [
    (lambda s: s + "lang: th\n", "duplicate key 'lang'"),
    (lambda s: s + "promt: x\n", "unknown key"),
    (lambda s: s.replace("version: 1", "version: one"), "'version' must be int"),
    (lambda s: s + "x: !!python/object/apply:os.system ['true']\n", "invalid YAML"),
    (lambda s: s.replace("task: mella_th_know", "task: other"), "must equal the file name"),
])
def test_bad_task_files_are_refused_with_file_and_key(tmp_path: Path, mutation, message):
    folder = _copy_tasks(tmp_path)
    f = folder / "mella_th_know.yaml"
    f.write_text(mutation(f.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_registry(folder)
    assert str(f) in str(exc.value) and message in str(exc.value)


def test_dangling_group_member(tmp_path: Path):
    folder = _copy_tasks(tmp_path)
    (folder / "mella_th_know.yaml").unlink()
    with pytest.raises(ConfigError, match="unknown task or group 'mella_th_know'"):
        load_registry(folder)


def test_scoring_only_settings_leave_the_task_hash_alone():
    """Adding a metric or a rubric re-scores cached answers; it must not invalidate them."""
    t = load_registry().tasks["mella_th_know"]
    assert dataclasses.replace(t, metrics=t.metrics + ("chrf++",)).hash == t.hash
    assert dataclasses.replace(t, rubrics=()).hash == t.hash
    assert dataclasses.replace(t, version=t.version + 1).hash != t.hash
