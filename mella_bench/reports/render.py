"""Rendering shared by the report, the paper tables and the ablation: table records, Markdown and
LaTeX, number formatting. Figures are drawn by `mella_bench.reports.figures`."""

from __future__ import annotations

from dataclasses import dataclass

from mella_bench.metrics.registry import get_metric
from mella_bench.stats import Estimate

AXIS_TITLES = {"know": "Cultural groundedness (know)", "ling": "Linguistic capability (ling)"}


def decimals(metric: str) -> int:
    """Digits shown for a metric (the registry's: 1–5 judge scales need two, 0–100 metrics one)."""
    return get_metric(metric).decimals


def fmt_value(est: Estimate, metric: str) -> str:
    if est.value is None:
        return "—"
    d = decimals(metric)
    if est.ci is None:
        return f"{est.value:.{d}f}"
    return f"{est.value:.{d}f} [{est.ci.low:.{d}f}, {est.ci.high:.{d}f}]"


def fmt_n(est: Estimate) -> str:
    return f"{est.n} ({100 * est.failure_rate:.0f}% failed)" if est.n_failed else f"{est.n}"


@dataclass(frozen=True)
class Table:
    """A rendered-agnostic table: header + rows of strings, with a caption and notes."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    sections: tuple[int, ...] = ()
    """Row indices before which a rule is drawn (e.g. between value rows and n rows)."""
    notes: tuple[str, ...] = ()


def markdown_table(t: Table, level: int = 3) -> str:
    out = [f"{'#' * level} {t.caption}", "", "| " + " | ".join(t.header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(t.header))) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in t.rows]
    out += [""] + [f"{n}" for n in t.notes] + ([""] if t.notes else [])
    return "\n".join(out)


_TEX_ESCAPE = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
               "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
               # symbols the Markdown uses that plain pdflatex (T1, no unicode fonts) cannot typeset
               "†": r"$^\dagger$", "←": r"$\leftarrow$", "→": r"$\rightarrow$", "—": "---", "–": "--",
               "Δ": r"$\Delta$", "≈": r"$\approx$", "α": r"$\alpha$", "−": "$-$", "×": r"$\times$",
               "|": r"\textbar{}", "`": ""}


def tex_escape(text: str) -> str:
    return "".join(_TEX_ESCAPE.get(ch, ch) for ch in text)


TEX_MARKS = {"*": "$^{*}$", " ▲": "$^{\\uparrow}$", " ▼": "$^{\\downarrow}$", " ≠": "$^{\\neq}$",
             " ‡": "\\textsuperscript{\\ddag}", " §": "\\textsuperscript{\\S}"}
"""Trailing marks of a cell (significance, against-the-first-run marks, footnote marks) as superscripts."""


def tex_cell(text: str) -> str:
    """'62.5 [48.1, 75.0]' → value with a small CI; trailing marks ('*', ' ▲', ' ▼', ' ≠', ' ‡', ' §') become
    superscripts."""
    mark = ""
    found = True
    while found:
        found = False
        for suffix, tex in TEX_MARKS.items():
            if text.endswith(suffix):
                text, mark, found = text[: -len(suffix)], tex + mark, True
                break
    if " [" in text and text.endswith("]"):
        value, ci = text.split(" [", 1)
        return f"{tex_escape(value)}\\,{{\\scriptsize[{tex_escape(ci[:-1])}]}}{mark}"
    return tex_escape(text) + mark


def latex_table(t: Table) -> str:
    """A booktabs table (needs \\usepackage{booktabs})."""
    cols = "l" + "r" * (len(t.header) - 1)
    out = ["\\begin{table}[t]", "\\centering", "\\small", f"\\caption{{{tex_escape(t.caption)}}}",
           "\\resizebox{\\linewidth}{!}{%", f"\\begin{{tabular}}{{{cols}}}", "\\toprule",
           " & ".join(f"\\textbf{{{tex_escape(h)}}}" for h in t.header) + " \\\\", "\\midrule"]
    for i, row in enumerate(t.rows):
        if i in t.sections:
            out.append("\\midrule")
        out.append(" & ".join(tex_cell(c) for c in row) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}}"]
    if t.notes:
        out.append("\\par\\smallskip\\footnotesize " + " \\\\ ".join(tex_escape(n.removeprefix("- ")) for n in t.notes))
    out += ["\\end{table}", ""]
    return "\n".join(out)
