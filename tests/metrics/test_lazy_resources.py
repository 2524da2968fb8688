"""Language resources load only for the languages a run has: scoring a Vietnamese run loads no Korean
morpheme model (kiwipiepy: ~1-6 s and 350 MB), no Thai segmenter, no lemmatiser dictionaries. Checked
by the modules a fresh interpreter imported while scoring, not by time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mella_bench.inference.backends import resolve_spec
from mella_bench.inference.run import RunConfig, generate
from mella_bench.data.tasks import select_tasks
from tests.conftest import write_dataset

RESOURCES = {"ko": {"kiwipiepy"}, "th": {"pythainlp"}, "ru": {"pymorphy3"}, "cs": {"simplemma", "snowballstemmer"},
             "hu": {"simplemma", "snowballstemmer"}, "sr": {"simplemma", "snowballstemmer"}, "ar": {"snowballstemmer"},
             "vi": {"underthesea"}}
"""What keyword matching and segmentation need per language (wordmatch.MORPHOLOGY, tokenize.py)."""

_PROBE = """
import json, sys
from mella_bench.metrics.score import score_run
score_run(sys.argv[1], resamples=0, reuse=False)
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


@pytest.mark.parametrize("lang", ["vi", "ko"])
def test_scoring_one_language_loads_only_its_resources(tmp_path: Path, lang: str) -> None:
    data = write_dataset(tmp_path / "data", (lang,), per_axis=1)
    tasks = select_tasks((lang,))
    run = tmp_path / "run"
    generate(RunConfig(backend=resolve_spec("reference:thick", None, {}), tasks=tuple(t.name for t in tasks),
                       output=run, data=str(data)), tasks, progress=False)
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(run)], capture_output=True, text=True, timeout=300,
                          check=True)
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    others = set().union(*RESOURCES.values()) - RESOURCES[lang]
    assert RESOURCES[lang] <= loaded  # the run's own language did need them (the probe sees imports)
    assert not loaded & others, f"scoring a {lang} run loaded {sorted(loaded & others)}"


def test_the_vietnamese_word_list_is_read_without_importing_underthesea() -> None:
    """`data validate`'s common-word check reads Viet74K from underthesea's folder; importing the package
    would load torch (its translation module) for a word list."""
    code = ("import sys; from mella_bench.metrics.text.wordmatch import dictionary_status\n"
            "print(dictionary_status('vi', 'cầu'), dictionary_status('vi', 'qzxw'), 'underthesea' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["known", "unknown", "False"]
