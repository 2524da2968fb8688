"""The wheel as users get it: licence text and project URLs in its metadata, built offline from this tree."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("hatchling", reason="the test extra installs hatchling (the build backend) to build offline")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(out), str(ROOT)], check=True, timeout=600)
    [whl] = out.glob("mella_bench-*.whl")
    return whl


def test_the_wheel_carries_the_apache_license_and_project_urls(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        [meta_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(zf.read(meta_name))
        [lic] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        text = zf.read(lic).decode("utf-8")
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Documentation", "Issues"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())


def test_no_install_instruction_names_an_index_package_that_does_not_exist():
    """`pip install mella-bench` fetches nothing (or a squatter's package): docs and the exported utils.py say
    how to install from a checkout, a wheel or the repository instead."""
    import re

    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "mella_bench" / "interop" / "lmms_task_utils.py",
             *(ROOT / "mella_bench" / "cli").glob("*.py")]
    bad = [f"{f.relative_to(ROOT)}:{i}" for f in files
           for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
           if re.search(r"pip install (-U )?mella-bench(?![\w\[@-])", line) and "not on PyPI" not in line
           and "do not" not in line]
    assert not bad, bad


@pytest.fixture(scope="module")
def installed_from_sdist(tmp_path_factory) -> Path:
    """The sdist built from this tree, a wheel built from that sdist, unpacked as an installer would."""
    base = tmp_path_factory.mktemp("sdist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(base)], cwd=ROOT,
                   check=True, timeout=600, capture_output=True)
    [sdist] = base.glob("mella_bench-*.tar.gz")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(base), str(sdist)], check=True, timeout=600)
    [whl] = base.glob("mella_bench-*.whl")
    site = base / "site"
    with zipfile.ZipFile(whl) as zf:
        zf.extractall(site)
    return site


def test_every_package_and_data_file_reaches_the_installed_tree(installed_from_sdist: Path):
    site = installed_from_sdist / "mella_bench"
    source_packages = {p.parent.relative_to(ROOT) for p in (ROOT / "mella_bench").rglob("__init__.py")}
    assert {p.parent.relative_to(installed_from_sdist) for p in site.rglob("__init__.py")} == source_packages
    for data in ("html_assets/report.css", "html_assets/viewer.js", "demo/manifest.jsonl", "_data/tasks/mella.yaml",
                 "_data/judges", "langs/data/vi_compound_kinds.tsv"):
        assert (site / data).exists(), data
    [entry] = installed_from_sdist.glob("*.dist-info/entry_points.txt")
    assert "mella-bench = mella_bench.cli:main" in entry.read_text(encoding="utf-8")


def test_the_installed_package_runs_the_demo_and_writes_the_html_report(installed_from_sdist: Path, tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(installed_from_sdist)}

    def cli(*args: str) -> str:
        out = subprocess.run([sys.executable, "-c", "import sys; from mella_bench.cli import main; sys.exit(main())",
                              *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    code = "import mella_bench, sys; print(mella_bench.__file__)"
    where = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.startswith(str(installed_from_sdist)), where  # not this checkout
    cli("run", "--model", "reference:thick", "--langs", "cs", "--limit", "1", "--output", "run", "--quiet")
    cli("report", "run", "--output", "report", "--resamples", "20", "--no-plots")
    html = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "<style>" in html and "mella_cs_know" in html
