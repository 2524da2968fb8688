"""`mella-bench show RUN ITEM_ID`: one item of a run in the terminal — prompt, answer, references,
keywords found and missed, every metric value, fidelity and the judge's verdict.

Everything shown comes from outside (a model's answer, a dataset's references and ids, a judge's
rationale), so every such text goes through `textsafe.terminal_safe` before it is printed: an ESC in
an answer is shown as `\\x1b`, never sent to the terminal.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from mella_bench.langs import LANGUAGES
from mella_bench.reports.samples import Sample, iter_samples
from mella_bench.textsafe import terminal_safe as _safe

_FOUND, _RESET = "\033[1;4;32m", "\033[0m"


def _indent(text: str, width: int = 100) -> str:
    lines = []
    for para in text.splitlines() or [""]:
        lines += textwrap.wrap(para, width - 2, break_long_words=False) or [""]
    return "\n".join("  " + line for line in lines)


def _highlight(s: Sample, color: bool) -> str:
    text = s.answer.text
    if not color or not s.answer.keywords:
        return _safe(text)
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    spans = sorted({sp for h in s.answer.keywords for sp in h.spans})
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        out += [_safe(text[at:start]), _FOUND, _safe(text[start:end]), _RESET]  # only our own codes stay raw
        at = end
    return "".join(out + [_safe(text[at:])])


def _value(v: float | None, metric: str) -> str:
    if v is None:
        return "failed"
    return f"{v:.2f}" if metric.startswith("judge:") else f"{v:.1f}"


def verdict_entry(x: Any) -> str:
    """One entry of a judge's list field: an entity with its cue, a claim (hedged or not), or as is."""
    if isinstance(x, dict) and "entity" in x:
        return f"{x['entity']} — {x.get('cue', '')}" + ("" if x.get("supported", True) else " (not supported)")
    if isinstance(x, dict) and "claim" in x:
        return str(x["claim"]) + (" (hedged)" if x.get("hedged") else "")
    return json.dumps(x, ensure_ascii=False) if isinstance(x, (dict, list)) else str(x)


def format_sample(s: Sample, run_label: str, color: bool = False) -> str:
    """The item as terminal text; every text that came from outside is escaped (`terminal_safe`)."""
    lang = LANGUAGES.get(s.lang)
    out = [_safe(f"{s.item_id} · {s.task} · {lang.name + ' (' + lang.native + ')' if lang else s.lang} · {s.axis} · "
                 f"run {run_label}")]
    if s.item is None:
        out.append(_safe(f"item data: {s.item_problem}"))
    else:
        out.append(_safe(f"image: {s.item.image or '(none)'}" + (f" — {s.image_problem}" if s.image_problem else "")))
    out += ["", "prompt:", _indent(_safe(s.prompt)), ""]
    a = s.answer
    if a.status == "ok" and not a.text:
        out += ["answer: (empty: it scores 0)"]
    elif a.status == "ok":
        out += ["answer:", _indent(_highlight(s, color))]
    elif a.status == "missing":
        out += ["answer: (this run has no prediction for the item)"]
    else:
        out += [_safe(f"answer: prediction failed — {a.error or 'no error message'}")]
    if s.item is not None:
        out += ["", f"references ({len(s.item.references)}):"]
        out += [_indent(_safe(f"{i}. {r}")) for i, r in enumerate(s.item.references, 1)]
        if s.item.keywords:
            if a.keywords:
                found = sum(h.found for h in a.keywords)
                marks = "  ".join(f"{'✓' if h.found else '✗'} {h.keyword}" for h in a.keywords)
                out += ["", _safe(f"keywords ({found}/{len(a.keywords)} found, the metric's matcher): {marks}")]
            else:
                out += ["", _safe(f"keywords: {', '.join(s.item.keywords)}")]
    if a.scores:
        out += ["", "scores:"]
        for m in a.scores:
            note = f"  ({m.reason})" if m.reason else ""
            out.append(_safe(f"  {m.metric:<26} {_value(m.value, m.metric):>8}{note}"))
    for j in a.judgments:
        out += ["", _safe(f"judge · {j.rubric}: " + (f"{j.score}/5" if j.status == "ok" else f"{j.status} — {j.reason}")
                          + (f" (judge wrote {j.raw_score}; {j.cap_reason})" if j.cap_reason else ""))]
        for key, value in j.fields.items():
            if key in ("score", "evidence"):
                continue
            out.append(_safe(f"  {key.replace('_', ' ')}:" + ("" if value else " none")))
            for x in value if isinstance(value, list) else [value]:
                out.append(_indent(_safe("- " + verdict_entry(x)), 98))
        if j.evidence:
            out += ["  rationale:", _indent(_safe(j.evidence), 98)]
    return "\n".join(out)


def find_samples(run_dir: Path, item_id: str, task: str | None = None) -> list[Sample]:
    found = list(iter_samples(Path(run_dir), with_images=False, item_id=item_id, task=task))
    if not found:
        ids = [s.item_id for s, _ in zip(iter_samples(Path(run_dir), with_images=False), range(3))]
        raise ValueError(f"no item '{item_id}'{' in task ' + task if task else ''} in {run_dir}; "
                         f"item ids look like {', '.join(ids) or '(the run has no items)'}")
    return found


def sample_json(s: Sample) -> dict[str, Any]:
    a = s.answer
    return {"task": s.task, "item_id": s.item_id, "lang": s.lang, "axis": s.axis, "prompt": s.prompt,
            "image": s.item.image if s.item else None, "references": list(s.item.references) if s.item else None,
            "keywords": [h.to_json() for h in a.keywords] or (list(s.item.keywords) if s.item else None),
            "answer": {"status": a.status, "text": a.text, "error": a.error},
            "scores": {m.metric: {"status": m.status, "value": m.value, "reason": m.reason} for m in a.scores},
            "judgments": [{"rubric": j.rubric, "status": j.status, "score": j.score, "raw_score": j.raw_score,
                           "cap_reason": j.cap_reason, "evidence": j.evidence, "fields": dict(j.fields),
                           "reason": j.reason} for j in a.judgments]}
