"""A ninth language is one profile entry plus its data: Ukrainian, added to a copy of the package.

The copy differs from the package in the language registry alone (checked below); two replay runs on
four Ukrainian items written for this test then go through scoring (every metric, fidelity and
Keyword Accuracy with the Ukrainian lemmatiser), `metrics`, the HTML report and the paper tables, with
no other file touched. docs/extending.md ("Add a language") is the walkthrough this test follows.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

UKRAINIAN = '''Language("uk", "Ukrainian", "українська", ("Cyrillic",), "unicode-words",
                   keywords=KeywordRules(lemmatizer="simplemma", lemma_lang="uk"))'''
"""The profile a new language needs (every other field keeps its default: exact METEOR matching, no
spelling fold, whitespace words)."""

ITEMS = [
    {"id": "uk-know-0001", "lang": "uk", "axis": "know", "image": "images/borshch.png",
     "references": ["Український борщ у глиняній мисці зі сметаною, поруч лежать пампушки з часником і кріп.",
                    "Червоний борщ зі сметаною та пампушками на дерев'яному столі."],
     "keywords": ["борщ", "пампушки"], "thin": "Миска червоного супу на дерев'яному столі."},
    {"id": "uk-know-0002", "lang": "uk", "axis": "know", "image": "images/sobor.png",
     "references": ["Софійський собор у Києві з золотими банями та білими стінами під блакитним небом."],
     "keywords": ["Софійський собор", "Київ"], "thin": "Велика біла церква з золотими куполами."},
    {"id": "uk-ling-0001", "lang": "uk", "axis": "ling", "image": "images/borshch.png",
     "references": ["На фотографії жовто-блакитний прапор на високому флагштоку. Верхня смуга блакитна, нижня "
                    "жовта, а позаду видно зелені дерева й хмари."],
     "keywords": [], "thin": "Прапор на щоглі."},
    {"id": "uk-ling-0002", "lang": "uk", "axis": "ling", "image": "images/sobor.png",
     "references": ["Жінка у вишитій сорочці продає яблука та груші на ринку. На прилавку стоять дерев'яні ящики, "
                    "а над ними висить смугастий тент."],
     "keywords": [], "thin": "Жінка біля прилавка з фруктами."},
]
TASKS = {
    "mella_uk_know": ("know", "Опишіть це зображення українською мовою, назвіть культурні деталі, які ви впізнаєте."),
    "mella_uk_ling": ("ling", "Детально опишіть це зображення українською мовою: людей, предмети, кольори й обстановку."),
}


def _add_language(src: Path) -> None:
    """What docs/extending.md says to do: the language's module and its line in the registry."""
    home = src / "mella_bench" / "langs"
    if not home.is_dir():  # the registry as one module (before the move into packages)
        langs = src / "mella_bench" / "langs.py"
        text = langs.read_text(encoding="utf-8")
        anchor = "    )\n}\nLANG_CODES"
        assert text.count(anchor) == 1, "the language registry changed shape: update this test and docs/extending.md"
        langs.write_text(text.replace(anchor, "        " + UKRAINIAN.replace("\n", "\n" + " " * 8)[:-1] + "),\n"
                                      + anchor), encoding="utf-8")
        return
    (home / "uk.py").write_text('"""Ukrainian."""\n\nfrom mella_bench.langs.profile import KeywordRules, Language\n\n'
                                f"PROFILE = {UKRAINIAN}\n", encoding="utf-8")
    init = home / "__init__.py"
    text = init.read_text(encoding="utf-8")
    assert text.count("vi.PROFILE)") == 1 and text.count(", vi\n") == 1, "registry changed shape: update this test"
    init.write_text(text.replace(", vi\n", ", vi, uk\n").replace("vi.PROFILE)", "vi.PROFILE, uk.PROFILE)"),
                    encoding="utf-8")


def _differing(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out = [str(Path(a.name) / n) for n in cmp.diff_files + cmp.left_only + cmp.right_only]
    for name in cmp.common_dirs:
        out += [str(Path(a.name) / p) for p in _differing(a / name, b / name)]
    return out


@pytest.fixture(scope="module")
def ukrainian(tmp_path_factory):
    """A checkout with Ukrainian added, its data and tasks, and a function running its CLI."""
    base = tmp_path_factory.mktemp("ninth")
    src = base / "src"
    for name in ("mella_bench", "tasks", "judges"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    _add_language(src)
    data = base / "uk-data"
    (data / "images").mkdir(parents=True)
    shutil.copy(ROOT / "mella_bench/demo/images/ru/bakery.png", data / "images/borshch.png")
    shutil.copy(ROOT / "mella_bench/demo/images/ru/flag.png", data / "images/sobor.png")
    (data / "manifest.jsonl").write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in ITEMS),
                                         encoding="utf-8")
    tasks = base / "uk-tasks"
    tasks.mkdir()
    for name, (axis, prompt) in TASKS.items():
        (tasks / f"{name}.yaml").write_text(f"task: {name}\ninclude: _{axis}.yaml\nversion: 1\nlang: uk\n"
                                            f"description: Ukrainian, {axis}\nprompt: \"{prompt}\"\n", encoding="utf-8")

    def cli(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": str(src)}
        out = subprocess.run([sys.executable, "-m", "mella_bench.cli", *args], cwd=base, env=env,
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        return out

    for model in ("thick", "thin"):
        cli("run", "--model", f"reference:{model}", "--include-path", str(tasks), "--tasks", ",".join(TASKS),
            "--data", str(data), "--output", f"runs/{model}", "--quiet")
    return base, src, cli


def test_the_copy_differs_from_the_package_in_the_language_registry_only(ukrainian):
    _, src, _ = ukrainian
    changed = _differing(ROOT / "mella_bench", src / "mella_bench")
    assert changed and all(p.startswith("mella_bench/langs") for p in changed), changed


def _summary(base: Path, run: str) -> dict:
    return json.loads((base / "runs" / run / "summary.json").read_text(encoding="utf-8"))["tasks"]


def test_every_metric_scores_the_new_language(ukrainian):
    base, _, _ = ukrainian
    thick, thin = _summary(base, "thick"), _summary(base, "thin")
    for metric in ("meteor", "bleu", "rouge_l", "chrf++", "fidelity"):
        assert thick["mella_uk_ling"]["metrics"][metric]["value"] == pytest.approx(100.0), metric
        assert "uk" in thick["mella_uk_ling"]["metrics"][metric]["signature"] or metric == "fidelity"
    assert thick["mella_uk_know"]["metrics"]["keyword_acc"]["value"] == 100.0
    assert thin["mella_uk_know"]["metrics"]["keyword_acc"]["value"] == 0.0  # the thin text names no keyword
    assert thin["mella_uk_ling"]["metrics"]["fidelity"]["value"] == 100.0  # short, but Ukrainian
    assert thin["mella_uk_ling"]["metrics"]["bleu"]["value"] < 20


def _metrics(base: Path, cli, hyp: str) -> dict[str, float]:
    (base / "hyp.txt").write_text(hyp + "\n", encoding="utf-8")
    (base / "ref.txt").write_text("Український борщ зі сметаною в ресторані в Києві.\n", encoding="utf-8")
    (base / "kw.jsonl").write_text('["борщ", "Київ"]\n', encoding="utf-8")
    out = cli("metrics", "hyp.txt", "--lang", "uk", "--refs", "ref.txt", "--keywords", "kw.jsonl",
              "--metrics", "fidelity,keyword_acc,keyword_acc_strict,meteor")
    return json.loads(out.stdout)["scores"]


def test_metrics_command_fidelity_and_inflected_keywords(ukrainian):
    base, _, cli = ukrainian
    ukrainian_answer = _metrics(base, cli, "Тарілка гарячого борщу зі сметаною в ресторані у Києві.")
    assert ukrainian_answer["fidelity"] == 100.0
    assert ukrainian_answer["keyword_acc"] == 100.0  # борщу → борщ, Києві → Київ (simplemma's Ukrainian lemmas)
    assert ukrainian_answer["keyword_acc_strict"] == 0.0  # neither keyword is written as it is in the answer
    russian_answer = _metrics(base, cli, "Тарелка горячего борща со сметаной в ресторане в Киеве.")
    assert russian_answer["fidelity"] == 0.0


def test_report_and_tables_have_a_column_for_the_new_language(ukrainian):
    base, _, cli = ukrainian
    cli("report", "runs/thin", "runs/thick", "--output", "report", "--resamples", "50")
    board = (base / "report" / "leaderboard.md").read_text(encoding="utf-8")
    assert "uk" in board.lower()
    html = (base / "report" / "index.html").read_text(encoding="utf-8")
    assert "Ukrainian" in html or "українська" in html
    (base / "tables.yaml").write_text(
        "output: tables\ndigits: 2\nresamples: 50\n"
        "backbones:\n  - name: replay\n    baseline: runs/thin\n    mella: runs/thick\n"
        "tables:\n  - id: kw\n    title: Keyword Accuracy\n    axis: know\n    metrics: [keyword_acc]\n"
        "    backbones: [replay]\n", encoding="utf-8")
    cli("tables", "--config", "tables.yaml", "--from", "scores")
    table = (base / "tables" / "kw.md").read_text(encoding="utf-8")
    assert "UK" in table and "100.00" in table
