"""Exactness: every printed block of the MELLA authors' evaluator that has its prediction file in
`shared/data/mella-author-2024` is reproduced to the last printed digit by importing the file
(`mella_bench.interop.slvqa`) and scoring it with `--protocol mella-2024`.

Settings per block as the data README establishes them: no 1,300-character cuts for the
baselines of ar cs hu ko ru sr th and for the `ar_caption_80k` block; the cuts everywhere else;
multi-line references left out for the gpt4o blocks (aac-metrics rejects them in every setting).
The two blocks whose prediction files were not released (the Thai fine-tune block kept in the
current txt, `hu_gptcaption_75k`) are checked to *differ*, so a too-loose comparison fails.

Slow (METEOR with English settings on 2,400 long non-English captions): two METEOR JVMs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mella_bench.interop.slvqa import read_slvqa, write_imported_run
from mella_bench.protocols import mella2024 as m
from tests.support.shared_data import REPO_ROOT, author_data

DATA = author_data()
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600),
              pytest.mark.skipif(DATA is None, reason="shared/data/mella-author-2024 not found beside the repository "
                                                      "(CI has it in ../shared)")]
NOT_RELEASED = {("internvl_chat_v2_0_internvl2_8b_internlm2_7b_dynamic_res_2nd_finetune_lora_th_caption_90k_th.txt", 0),
                ("internvl_chat_v2_0_internvl2_8b_internlm2_7b_dynamic_res_2nd_finetune_lora_hu_gptcaption_75k.txt", 0)}
_LINE = re.compile(r"\{'(\w+)': tensor\(([^,]+), dtype")


def printed_blocks(txt: Path) -> list[dict[str, str]]:
    """The blocks of a reported txt, each {metric: printed text}; a repeated metric starts a new block."""
    blocks: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    for line in txt.read_text(encoding="utf-8").splitlines():
        hit = _LINE.search(line)
        if not hit:
            continue
        if hit.group(1) in cur:
            blocks.append(cur)
            cur = {}
        cur[hit.group(1)] = hit.group(2)
    return blocks + [cur] if cur else blocks


def as_printed(value: float, printed: str) -> str:
    """`value` in the format torch printed the authors' float64 scalar with (4 decimals or 4-digit e)."""
    if "e" in printed:
        return f"{value:.4e}"
    if printed.endswith("."):
        return f"{value:.0f}."
    return f"{value:.4f}"


def settings_for(txt: str, prediction: str) -> m.Settings:
    no_cut = (txt.startswith("pretrained_") and not txt.endswith("_vi.txt")) or "_caption_80k_" in txt
    return m.Settings(truncate=not no_cut, skip_multiline_refs=prediction.startswith("gpt4o_"))


def _prediction_file(name: str) -> Path:
    for folder in ("predictions", "predictions-superseded"):
        if (DATA / folder / name).is_file():
            return DATA / folder / name
    raise FileNotFoundError(name)


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """(reproduced, item cache): (txt, block) → (printed block, our means on the 0–1 scale, items scored),
    all files in one run, and every item's result by its cache key."""
    mapping = json.loads((DATA / "mapping.json").read_text(encoding="utf-8"))
    run = tmp_path_factory.mktemp("authors") / "run"
    tasks, per_task, blocks = {}, {}, []
    for txt, index, prediction, *_ in mapping:
        txt = Path(txt).name
        path = _prediction_file(prediction)
        name = path.stem
        lang = re.search(r"_caption_([a-z]{2})_", path.name).group(1)
        if name not in tasks:
            tasks[name] = read_slvqa(path, lang, task=name)
        key = (name, settings_for(txt, prediction))
        per_task.setdefault(key, None)
        blocks.append((txt, index, name, key[1]))
    # a file scored under two settings would need two tasks; none is, so one setting per task
    assert len({k[0] for k in per_task}) == len(per_task)
    write_imported_run(run, "MELLA authors' InternVL2-8B runs", list(tasks.values()))
    cache = m.ItemCache()
    rows = m.protocol_rows(run, per_task={name: st for name, st in per_task}, meteor_workers=2, cache=cache)
    out = {}
    for txt, index, name, _ in blocks:
        mine = [r for r in rows if r["task"] == name]
        means = {}
        for metric in m.METRICS:
            vals = [r["value"] / 100.0 for r in mine if r["metric"] == metric and r["status"] == "ok"]
            means[metric] = sum(vals) / len(vals)
        n = len({r["item_id"] for r in mine if r["status"] == "ok"})
        out[(txt, index)] = (printed_blocks(DATA / "reported" / txt)[index], means, n)
    return out, cache


@pytest.fixture(scope="module")
def reproduced(computed):
    return computed[0]


def test_every_printed_value_with_its_prediction_file_is_reproduced(reproduced):
    checked, wrong = 0, []
    for (txt, index), (printed, means, _) in reproduced.items():
        if (txt, index) in NOT_RELEASED:
            continue
        for metric in m.METRICS:
            checked += 1
            if as_printed(means[metric], printed[metric]) != printed[metric]:
                wrong.append(f"{txt}[{index}] {metric}: printed {printed[metric]}, ours {means[metric]!r}")
    assert not wrong, "\n".join(wrong)
    # 24 blocks × 6 metrics (the data README counts 138 = 23 blocks; the Thai fine-tune block kept at
    # commit 75cd524 is the 24th and reproduces as well)
    assert checked == 144


def test_items_scored_per_gpt4o_block_match_the_readme(reproduced):
    expected = {"ar": 97, "cs": 95, "hu": 96, "ko": 95, "ru": 93, "sr": 98, "th": 88, "vi": 92}
    seen = {}
    for (txt, index), (_, _, n) in reproduced.items():
        if "gptcaption" in txt:
            continue
        lang = txt[-6:-4]
        if (txt.startswith("internvl_chat") and (index == 1 or "_ar_caption_90k_" in txt)):
            seen[lang] = n
    assert seen == expected


def test_blocks_without_their_prediction_file_do_not_reproduce(reproduced):
    for key in NOT_RELEASED:
        printed, means, _ = reproduced[key]
        assert any(as_printed(means[mt], printed[mt]) != printed[mt] for mt in m.METRICS), key


def test_the_committed_item_caches_hold_what_the_protocol_computes(computed):
    """`mella-bench tables --check` takes the authors' protocol values of the committed runs from their
    item caches (cache.mella-2024.json) instead of recomputing them; this is the one place CI recomputes
    them all. Every item a committed table needs must be in its run's cache (else the check is slow:
    run `mella-bench tables`) with exactly the values computed here from the released files."""
    from mella_bench.reports import tables as T

    _, fresh = computed
    cfg = T.load_config(REPO_ROOT / "results" / "tables.yaml")
    checked = 0
    for b in cfg.backbones:
        if not any(t.protocol == m.NAME and (t.backbones is None or b.name in t.backbones) for t in cfg.tables):
            continue
        for setting, run_dir in b.runs.items():
            per_task = T.protocol_task_settings(run_dir, b.protocol_settings.get(m.NAME, {}).get(setting, {}))
            committed = m.load_item_cache(run_dir).known
            for key, item_id in m.item_keys(run_dir, per_task).items():
                assert key in committed, (f"{run_dir / m.CACHE_FILE} lacks {item_id} for the current protocol "
                                          "code: run `mella-bench tables` and commit the caches")
                assert key in fresh.known, f"{item_id} of {run_dir} is not among the released files computed here"
                mine, theirs = committed[key], fresh.known[key]
                assert (mine.status, dict(mine.values), mine.reason) == (theirs.status, dict(theirs.values),
                                                                        theirs.reason), item_id
                checked += 1
    assert checked == 1600  # baseline and fine-tune: 800 answered items each
