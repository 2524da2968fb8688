#!/usr/bin/env python3
"""Move mella_bench's modules into packages by pipeline stage, and rewrite every import and path.

Used once for the move (issue 22: packages by stage); kept because it also rewrites code written
against the old layout: `python tools/relayout.py --rewrite-only FILE...` turns `mella_bench.report`
into `mella_bench.reports.leaderboard`, `tests._runs` into `tests.support.runs` and so on (it leaves
new-layout names alone, so running it twice changes nothing).

`python tools/relayout.py --move` does the `git mv`s (history follows each file), creates the new
packages' `__init__.py` and rewrites every tracked text file.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PACKAGES = {
    "langs": "Languages as data: one profile per language and the registry every per-language behaviour is read from.",
    "data": "Items, tasks and datasets: loading, validation, identity, images and input limits.",
    "curation": "Data curation and the culture-vs-linguistics ablation: the language audit, the training arms, "
                "evaluating the arms and the ablation table.",
    "inference": "Running a model over tasks: the run loop, shards and executors, and the backends.",
    "endpoint": "The client for OpenAI-compatible HTTP endpoints (judge and `openai` backend).",
    "interop": "Other harnesses' and papers' formats: dataset and run importers, the lmms-eval export.",
    "reports": "Everything read from run directories for people: leaderboards, HTML, paper tables, figures, ablation.",
    "metrics/text": "Language text for the metrics: tokenisation, spelling folds, keyword word matching, word lists.",
}
"""New packages and the docstring of their `__init__.py`."""

MOVES: dict[str, str] = {
    # languages
    "mella_bench/langs.py": "mella_bench/langs/__init__.py",
    # data
    "mella_bench/data.py": "mella_bench/data/dataset.py",
    "mella_bench/tasks.py": "mella_bench/data/tasks.py",
    "mella_bench/identity.py": "mella_bench/data/identity.py",
    "mella_bench/images.py": "mella_bench/data/images.py",
    "mella_bench/limits.py": "mella_bench/data/limits.py",
    "mella_bench/yamlio.py": "mella_bench/data/yamlio.py",
    "mella_bench/keyword_audit.py": "mella_bench/data/keyword_audit.py",
    # curation
    "mella_bench/audit.py": "mella_bench/curation/audit.py",
    "mella_bench/arms.py": "mella_bench/curation/arms.py",
    "mella_bench/ablation_runs.py": "mella_bench/curation/ablation_runs.py",
    "mella_bench/ablation.py": "mella_bench/curation/ablation.py",
    # the run store (i20-store made mella_bench/store)
    "mella_bench/scoreio.py": "mella_bench/store/scoreio.py",
    "mella_bench/cachefile.py": "mella_bench/store/cachefile.py",
    # inference
    "mella_bench/run.py": "mella_bench/inference/run.py",
    "mella_bench/shard.py": "mella_bench/inference/shard.py",
    "mella_bench/executor.py": "mella_bench/inference/executor.py",
    "mella_bench/backends": "mella_bench/inference/backends",
    # endpoint
    "mella_bench/apiclient.py": "mella_bench/endpoint/apiclient.py",
    "mella_bench/transport.py": "mella_bench/endpoint/transport.py",
    # judge (and the people it is checked against)
    "mella_bench/labelling.py": "mella_bench/judge/labelling.py",
    "mella_bench/labels.py": "mella_bench/judge/labels.py",
    "mella_bench/agreement.py": "mella_bench/judge/agreement.py",
    "mella_bench/agreement_report.py": "mella_bench/judge/agreement_report.py",
    # metrics: language text
    "mella_bench/metrics/tokenize.py": "mella_bench/metrics/text/tokenize.py",
    "mella_bench/metrics/orthography.py": "mella_bench/metrics/text/orthography.py",
    "mella_bench/metrics/wordmatch.py": "mella_bench/metrics/text/wordmatch.py",
    "mella_bench/metrics/lexicon.py": "mella_bench/metrics/text/lexicon.py",
    # interop
    "mella_bench/importers.py": "mella_bench/interop/datasets.py",
    "mella_bench/imported.py": "mella_bench/interop/slvqa.py",
    "mella_bench/lmms_eval_import.py": "mella_bench/interop/lmms_eval_import.py",
    "mella_bench/lmms_eval_export.py": "mella_bench/interop/lmms_eval_export.py",
    "mella_bench/lmms_task_utils.py": "mella_bench/interop/lmms_task_utils.py",
    # reports
    "mella_bench/report.py": "mella_bench/reports/leaderboard.py",
    "mella_bench/html_report.py": "mella_bench/reports/html_report.py",
    "mella_bench/tables.py": "mella_bench/reports/tables.py",
    "mella_bench/headline.py": "mella_bench/reports/headline.py",
    "mella_bench/show.py": "mella_bench/reports/show.py",
    "mella_bench/runs.py": "mella_bench/reports/runs.py",
    "mella_bench/samples.py": "mella_bench/reports/samples.py",
    "mella_bench/figures.py": "mella_bench/reports/figures.py",
    "mella_bench/plotlabels.py": "mella_bench/reports/plotlabels.py",
    "mella_bench/render.py": "mella_bench/reports/render.py",
    "mella_bench/pairing.py": "mella_bench/reports/pairing.py",
    "mella_bench/keyword_hits.py": "mella_bench/reports/keyword_hits.py",
    # the command line (split into one module per command group afterwards)
    "mella_bench/cli.py": "mella_bench/cli/__init__.py",
    # tests mirror the package; helpers move to tests/support
    "tests/_runs.py": "tests/support/runs.py",
    "tests/fake_openai.py": "tests/support/fake_openai.py",
    "tests/fake_proxy.py": "tests/support/fake_proxy.py",
    "tests/judged_run.py": "tests/support/judged_run.py",
    "tests/label_runs.py": "tests/support/label_runs.py",
    "tests/raw_http.py": "tests/support/raw_http.py",
    "tests/shared_data.py": "tests/support/shared_data.py",
    "tests/null_pairs.py": "tests/support/null_pairs.py",
    "tests/backends": "tests/inference/backends",
}
TEST_HOMES: dict[str, str] = {
    # test file name (without .py) → folder under tests/
    **{n: "data" for n in ("test_data", "test_data_hf", "test_tasks", "test_tasks_include", "test_limits",
                           "test_keyword_audit", "test_demo")},
    **{n: "curation" for n in ("test_arms", "test_ablation_runs", "test_audit", "test_ablation")},
    **{n: "store" for n in ("test_rundir", "test_scoreio", "test_results_command")},
    **{n: "inference" for n in ("test_run", "test_run_failures", "test_run_resume", "test_shard", "test_executor")},
    **{n: "endpoint" for n in ("test_apiclient", "test_transport", "test_openai_conventions")},
    **{n: "judge" for n in ("test_labelling", "test_agreement")},
    **{n: "interop" for n in ("test_imported", "test_importers", "test_lmms_eval_export", "test_lmms_eval_import",
                              "test_lmms_eval_interop")},
    **{n: "reports" for n in ("test_report", "test_html_report", "test_tables", "test_tables_authors", "test_headline",
                              "test_show", "test_figures", "test_plotlabels", "test_render", "test_pairing",
                              "test_keyword_hits", "test_samples_imported")},
    **{n: "cli" for n in ("test_cli", "test_cli_metrics", "test_cli_reports", "test_cli_light", "test_cli_options")},
    **{n: "metrics/text" for n in ("test_tokenize", "test_lexicon")},
}


FIXUPS: list[tuple[str, str, str]] = [
    # (file after the move, text, replacement): paths computed from a module's own location
    ("mella_bench/data/dataset.py", 'Path(__file__).parent / "demo"', 'Path(__file__).resolve().parents[1] / "demo"'),
    ("mella_bench/data/yamlio.py", 'Path(__file__).parent / "_data" / name',
     'Path(__file__).resolve().parents[1] / "_data" / name'),
    ("mella_bench/data/yamlio.py", "Path(__file__).resolve().parent.parent / name",
     "Path(__file__).resolve().parents[2] / name"),
    ("mella_bench/inference/executor.py", "str(Path(__file__).resolve().parent.parent)",
     "str(Path(__file__).resolve().parents[2])"),
]


def shift_file_paths(text: str, depth: int) -> str:
    """`Path(__file__)...` expressions of a file moved `depth` folders deeper, pointing where they did."""
    if depth <= 0:
        return text
    text = re.sub(r"Path\(__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]",
                  lambda m: f"Path(__file__).resolve().parents[{int(m.group(1)) + depth}]", text)
    text = re.sub(r"Path\(__file__\)(?:\.resolve\(\))?\.parent\.parent(?!\.parent)",
                  f"Path(__file__).resolve().parents[{1 + depth}]", text)
    return re.sub(r"Path\(__file__\)(?:\.resolve\(\))?\.parent(?!s\b|\.parent)",
                  f"Path(__file__).resolve().parents[{depth}]", text)


def _module(path: str) -> str:
    p = path[:-3] if path.endswith(".py") else path
    p = p[: -len("/__init__")] if p.endswith("/__init__") else p
    return p.replace("/", ".")


def all_moves() -> dict[str, str]:
    moves = dict(MOVES)
    for name, home in TEST_HOMES.items():
        moves[f"tests/{name}.py"] = f"tests/{home}/{name}.py"
    for name in ("test_tokenize", "test_lexicon"):
        moves[f"tests/metrics/{name}.py"] = moves.pop(f"tests/{name}.py")
    return moves


def folder_moves() -> set[str]:
    """Old dotted names that were folders (their paths are rewritten with a trailing slash too)."""
    return {_module(a) for a in all_moves() if not a.endswith(".py")}


def module_moves() -> list[tuple[str, str]]:
    """(old dotted name, new dotted name), longest old name first."""
    pairs = [(_module(a), _module(b)) for a, b in all_moves().items()]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _new_children(new: str, pairs: list[tuple[str, str]]) -> set[str]:
    """Names directly under a new dotted name that are modules in the new layout (left alone)."""
    out = set()
    for _, n in pairs:
        if n.startswith(new + "."):
            out.add(n[len(new) + 1:].split(".")[0])
    return out


def rewrite(text: str) -> str:
    pairs = module_moves()
    folders = folder_moves()
    # `from mella_bench import report, stats` → one import per new home
    def from_parent(m: re.Match) -> str:
        indent, parent, names = m.group(1), m.group(2), m.group(3)
        old = {o: n for o, n in pairs}
        kept, moved = [], []
        for part in [x.strip() for x in names.strip("()").replace("\n", " ").split(",") if x.strip()]:
            name, _, alias = part.partition(" as ")
            full = f"{parent}.{name.strip()}"
            if full in old:
                home, _, leaf = old[full].rpartition(".")
                alias = alias.strip() or (name.strip() if leaf != name.strip() else "")
                moved.append(f"{indent}from {home} import {leaf}" + (f" as {alias}" if alias else ""))
            else:
                kept.append(part)
        if not moved:
            return m.group(0)
        lines = ([f"{indent}from {parent} import {', '.join(kept)}"] if kept else []) + moved
        return "\n".join(lines)

    text = re.sub(r"(?m)^([ \t]*)from ((?:mella_bench|tests)(?:\.\w+)*) import (\([^)]*\)|[^\n#]+?)[ \t]*$",
                  from_parent, text)
    for old, new in pairs:
        children = _new_children(old, pairs) | _new_children(new, pairs)
        guard = "|".join(sorted(children))
        tail = rf"(?![\w])" + (rf"(?!\.(?:{guard})\b)" if guard else "")
        text = re.sub(rf"(?<![\w.]){re.escape(old)}{tail}", new, text)
        old_path, new_path = old.replace(".", "/"), new.replace(".", "/")
        for suffix in ((".py", "/") if old in folders else (".py",)):
            text = re.sub(rf"(?<![\w/]){re.escape(old_path + suffix)}", new_path + suffix, text)
        if old_path.startswith("mella_bench/") and old_path.count("/") >= 2:  # `metrics/tokenize.py` in prose
            short_old, short_new = old_path.split("/", 1)[1], new_path.split("/", 1)[1]
            text = re.sub(rf"(?<![\w/]){re.escape(short_old)}\.py", short_new + ".py", text)
    return text


def tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    keep = (".py", ".md", ".toml", ".sh", ".cfg", ".txt", ".yaml", ".yml", "Makefile", ".ci/run")
    return [ROOT / p for p in out if p.endswith(keep) and not p.startswith(("results/", "tests/fixtures/"))
            and (ROOT / p).is_file()]


def move() -> None:
    for old, new in all_moves().items():
        src, dst = ROOT / old, ROOT / new
        if not src.exists():
            print(f"skip (absent): {old}", file=sys.stderr)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "mv", old, new], cwd=ROOT, check=True)
        depth = new.count("/") - old.count("/")
        if old.startswith("tests/") and depth > 0:
            for path in ([dst] if dst.is_file() else sorted(dst.rglob("*.py"))):
                path.write_text(shift_file_paths(path.read_text(encoding="utf-8"), depth), encoding="utf-8")
    for rel, old, new in FIXUPS:
        path = ROOT / rel
        if path.is_file() and old in path.read_text(encoding="utf-8"):
            path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    for pkg, doc in PACKAGES.items():
        init = ROOT / "mella_bench" / pkg / "__init__.py"
        if not init.exists():
            init.write_text(f'"""{doc}"""\n', encoding="utf-8")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)
    for folder in {Path(new).parent for new in all_moves().values() if new.startswith("tests/")}:
        init = ROOT / folder / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--move", action="store_true", help="git mv the modules, then rewrite every tracked file")
    ap.add_argument("--rewrite-only", nargs="*", metavar="FILE", help="rewrite these files only")
    args = ap.parse_args()
    if args.move:
        move()
    files = [Path(f) for f in args.rewrite_only] if args.rewrite_only else tracked_text_files()
    if args.rewrite_only is None and not args.move:
        ap.error("give --move or --rewrite-only FILE...")
    for path in files:
        if path.resolve() == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
