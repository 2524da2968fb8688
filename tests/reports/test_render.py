"""Table and figure rendering shared by report, tables and ablation (mella_bench/reports/render.py)."""

from __future__ import annotations

from mella_bench.reports import render as RD


def test_latex_escaping():
    assert RD.tex_escape("chrf++ 5% a_b & c") == "chrf++ 5\\% a\\_b \\& c"
    assert RD.tex_cell("62.5 [48.1, 75.0]") == "62.5\\,{\\scriptsize[48.1, 75.0]}"
    assert RD.tex_cell("1.0*") == "1.0$^{*}$"


def test_decimals_and_units_come_from_the_registry():
    assert RD.decimals("meteor") == 1 and RD.decimals("judge:cultural_depth") == 2
