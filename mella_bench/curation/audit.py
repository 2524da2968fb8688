"""Data audit (`mella-bench data audit RUN_DIR|DATA ...`): is the text in the task's language, are
compared runs scored against the same references, and what do the protocol's cuts remove?

Computed from the files alone, never typed in:
- **language shares**: py3langid on every reference and every answer; per task, the share whose
  identified language is not the task's, with the most frequent other languages;
- **reference identity across runs**: for every two runs given together that have a task of the
  same language and axis, how many items (matched by id) have identical references — a gain
  between runs scored on different references is not a comparison;
- **truncation**: how many references and normalised answers exceed the 1,300-character cut of
  the authors' protocol (`mella_bench.protocols.mella2024`) and how many characters it removes.

A finding is reported when more than `THRESHOLD` of a task's texts are not in its language, or
when references of compared tasks differ. Identification is statistical: a share, not a verdict on
a single text (short or mixed texts are misidentified now and then).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from mella_bench.data.dataset import Dataset, load

THRESHOLD = 0.10
"""Share of texts in another language above which the audit reports a finding."""
IDENTIFIER = "py3langid"


@dataclass(frozen=True)
class LanguageShare:
    """Language identification of one field (references or answers) of one task."""

    task: str
    lang: str
    field: str
    n: int
    other: int
    """Texts identified as another language than the task's."""
    top_other: tuple[tuple[str, int], ...]

    @property
    def share_other(self) -> float:
        return self.other / self.n if self.n else 0.0


@dataclass(frozen=True)
class ReferenceMatch:
    """References of two runs' tasks of the same language and axis, item by item."""

    lang: str
    axis: str
    run_a: str
    task_a: str
    run_b: str
    task_b: str
    common: int
    """Item ids present in both."""
    identical: int
    """Of those, items whose references are identical."""
    shared_texts: int
    """References of A that occur anywhere among B's (whatever the item id)."""

    @property
    def same_references(self) -> bool:
        return self.common > 0 and self.identical == self.common


@dataclass(frozen=True)
class Truncation:
    task: str
    refs_over: int
    answers_over: int
    chars_removed: int
    n: int


@dataclass(frozen=True)
class SourceAudit:
    """One run directory or dataset."""

    path: str
    kind: str
    """`run` or `data`."""
    languages: tuple[LanguageShare, ...]
    truncation: tuple[Truncation, ...]


@dataclass(frozen=True)
class AuditReport:
    sources: tuple[SourceAudit, ...]
    references: tuple[ReferenceMatch, ...]
    findings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier": IDENTIFIER, "threshold": THRESHOLD,
            "sources": [{"path": s.path, "kind": s.kind,
                         "languages": [{"task": x.task, "lang": x.lang, "field": x.field, "n": x.n, "other": x.other,
                                        "share_other": round(x.share_other, 4), "top_other": [list(t) for t in x.top_other]}
                                       for x in s.languages],
                         "truncation": [t.__dict__ for t in s.truncation]} for s in self.sources],
            "references": [{**r.__dict__, "same_references": r.same_references} for r in self.references],
            "findings": list(self.findings),
        }


# ------------------------------------------------------------------------------------------------


def identify(text: str) -> str:
    import py3langid

    return str(py3langid.classify(text)[0])


def _share(task: str, lang: str, fld: str, texts: Sequence[str]) -> LanguageShare:
    found = Counter(identify(t) for t in texts if t.strip())
    n = sum(found.values())
    other = n - found.get(lang, 0)
    top = tuple((code, c) for code, c in found.most_common() if code != lang)[:4]
    return LanguageShare(task, lang, fld, n, other, top)


@dataclass(frozen=True)
class _Task:
    name: str
    lang: str
    axis: str
    refs: dict[str, tuple[str, ...]]
    answers: dict[str, str]


def _tasks_of(path: Path) -> tuple[str, list[_Task]]:
    """(kind, tasks) of a run directory (its tasks, references and ok answers) or a dataset (by lang/axis)."""
    if (path / "run.json").is_file():
        from mella_bench.store import current_predictions, load_header, task_data_source

        header = load_header(path)
        preds = current_predictions(path, header)
        loaded: dict[str, Dataset] = {}
        out = []
        for name, info in header["tasks"].items():
            src = task_data_source(path, info)
            ds = loaded.setdefault(src, load(src))
            items = [it for it in ds.items if it.lang == info["lang"] and it.axis == info["axis"]]
            answered = {i: p.text for i, p in preds[name].items() if p.status == "ok"}
            out.append(_Task(name, info["lang"], info["axis"], {it.id: it.references for it in items
                                                                if it.id in answered or not answered}, answered))
        return "run", out
    ds = load(path)
    groups: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for it in ds.items:
        groups.setdefault((it.lang, it.axis), {})[it.id] = it.references
    return "data", [_Task(f"{lang}/{axis}", lang, axis, refs, {}) for (lang, axis), refs in groups.items()]


def _truncation(task: _Task) -> Truncation:
    from mella_bench.protocols.mella2024 import CUT, normalize_answer

    refs = [r for rs in task.refs.values() for r in rs]
    answers = [normalize_answer(a) for a in task.answers.values()]
    removed = sum(max(0, len(t) - CUT) for t in refs + answers)
    return Truncation(task.name, sum(len(r) > CUT for r in refs), sum(len(a) > CUT for a in answers), removed,
                      len(task.refs))


def truncations(path: Path) -> tuple[Truncation, ...]:
    """What the authors' 1,300-character cuts remove from each task of a run or dataset (no language ID)."""
    return tuple(_truncation(t) for t in _tasks_of(Path(path))[1])


def _match(path_a: str, a: _Task, path_b: str, b: _Task) -> ReferenceMatch:
    common = sorted(set(a.refs) & set(b.refs))
    identical = sum(a.refs[i] == b.refs[i] for i in common)
    b_texts = {r for rs in b.refs.values() for r in rs}
    shared = sum(any(r in b_texts for r in rs) for rs in a.refs.values())
    return ReferenceMatch(a.lang, a.axis, path_a, a.name, path_b, b.name, len(common), identical, shared)


def reference_matches(run_a: Path, run_b: Path, axis: str | None = None) -> dict[str, ReferenceMatch]:
    """Language → how the references of two runs' tasks of that language (and axis) compare."""
    _, ta = _tasks_of(Path(run_a))
    _, tb = _tasks_of(Path(run_b))
    out = {}
    for a in ta:
        for b in tb:
            if (a.lang, a.axis) == (b.lang, b.axis) and (axis is None or a.axis == axis):
                out[a.lang] = _match(str(run_a), a, str(run_b), b)
    return out


def audit(paths: Sequence[str | Path]) -> AuditReport:
    """Audit run directories and/or datasets; runs given together are compared reference by reference."""
    sources, findings = [], []
    tasks_by_source: list[tuple[str, list[_Task]]] = []
    for p in paths:
        path = Path(p)
        kind, tasks = _tasks_of(path)
        tasks_by_source.append((str(path), tasks))
        shares, cuts = [], []
        for t in tasks:
            shares.append(_share(t.name, t.lang, "references", [r for rs in t.refs.values() for r in rs]))
            if t.answers:
                shares.append(_share(t.name, t.lang, "answers", list(t.answers.values())))
            cuts.append(_truncation(t))
        for s in shares:
            if s.n and s.share_other > THRESHOLD:
                others = ", ".join(f"{code} {c}" for code, c in s.top_other)
                findings.append(f"{path}: {s.task}: {s.other} of {s.n} {s.field} ({s.share_other:.0%}) are not "
                                f"identified as '{s.lang}' ({others})")
        sources.append(SourceAudit(str(path), kind, tuple(shares), tuple(cuts)))
    matches = []
    for i, (pa, ta) in enumerate(tasks_by_source):
        for pb, tb in tasks_by_source[i + 1:]:
            for a in ta:
                for b in tb:
                    if (a.lang, a.axis) != (b.lang, b.axis):
                        continue
                    mt = _match(pa, a, pb, b)
                    matches.append(mt)
                    if not mt.same_references:
                        findings.append(f"{pa}:{a.name} vs {pb}:{b.name}: references differ — {mt.identical} of "
                                        f"{mt.common} common items identical, {mt.shared_texts} of {len(a.refs)} "
                                        "references found anywhere in the other run: not a comparison on one test set")
    return AuditReport(tuple(sources), tuple(matches), tuple(findings))


def format_report(rep: AuditReport) -> str:
    lines = [f"language identification: {IDENTIFIER}; finding above {THRESHOLD:.0%} in another language"]
    for s in rep.sources:
        lines.append(f"\n{s.path} ({s.kind})")
        lines.append(f"  {'task':<34} {'field':<10} {'n':>4} {'other':>6} {'share':>6}  most frequent other")
        for x in s.languages:
            others = ", ".join(f"{c} {n}" for c, n in x.top_other)
            lines.append(f"  {x.task:<34} {x.field:<10} {x.n:>4} {x.other:>6} {x.share_other:>6.0%}  {others}")
        cut = [t for t in s.truncation if t.refs_over or t.answers_over]
        for t in cut:
            lines.append(f"  cut at 1,300 chars: {t.task}: {t.refs_over} references, {t.answers_over} normalised "
                         f"answers, {t.chars_removed} characters removed")
    if rep.references:
        lines.append("\nreferences of compared runs (same language and axis)")
        for r in rep.references:
            verdict = "same" if r.same_references else "DIFFERENT"
            lines.append(f"  {r.lang}/{r.axis}: {r.task_a} vs {r.task_b}: {r.identical}/{r.common} identical → {verdict}")
    lines.append("\nfindings:" if rep.findings else "\nno findings")
    lines += [f"  - {f}" for f in rep.findings]
    return "\n".join(lines)


__all__ = ["AuditReport", "LanguageShare", "ReferenceMatch", "THRESHOLD", "Truncation", "audit", "format_report",
           "identify", "reference_matches"]
