"""Which of an item's keywords an answer names, and where: for the per-sample viewer and `show`.

A thin adapter over the Keyword Accuracy matcher (`mella_bench.metrics.keywords`): *whether* a
keyword counts as found is always the metric's own verdict, so the viewer can never disagree with
the score. Where the metrics package offers its own "found where" function
(`keywords.match_keywords(lang, answer, keywords, tolerant=...)` with character spans), that is
used as is. Otherwise (the substring matcher) the verdict comes from the metric's `found_strict` /
`found_tolerant` and the place is located here on the answer's own characters, best effort: a
keyword the metric found whose place cannot be mapped back is listed as found without a highlight.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence

from mella_bench.metrics import keywords as keyword_metric
from mella_bench.metrics.text.tokenize import get_tokenizer


@dataclass(frozen=True)
class KeywordHit:
    """One keyword of an item checked against one answer."""

    keyword: str
    found: bool
    """The `keyword_acc` verdict (inflection-tolerant where the language's rule says so)."""
    found_strict: bool
    """The `keyword_acc_strict` verdict (normalised substring)."""
    spans: tuple[tuple[int, int], ...] = ()
    """[start, end) character offsets in the NFC form of the answer; empty when not found or not located."""

    def to_json(self) -> dict[str, object]:
        return {"keyword": self.keyword, "found": self.found, "strict": self.found_strict,
                "spans": [list(s) for s in self.spans]}


def prefetch_hits(lang: str, answers: Sequence[str], keywords: Sequence[str]) -> None:
    """Prepare `keyword_hits` for many answers of one language at once (Hungarian asks its Hunspell
    dictionary for stems: one call for a page instead of one per new word)."""
    keyword_metric.prefetch(lang, [unicodedata.normalize("NFC", a) for a in answers], keywords)


def keyword_hits(lang: str, keywords: Sequence[str], answer: str) -> tuple[KeywordHit, ...]:
    """Every usable keyword (one that normalises to something) with the metric's verdict and its places.

    Offsets refer to `unicodedata.normalize("NFC", answer)`, the form the viewer displays."""
    text = unicodedata.normalize("NFC", answer)
    usable = [k for k in keywords if get_tokenizer(lang).surface(k)]  # the metric ignores the others
    match = getattr(keyword_metric, "match_keywords", None)
    if match is not None:
        tolerant = match(lang, text, usable, tolerant=True)
        strict = match(lang, text, usable, tolerant=False)
        return tuple(KeywordHit(t.keyword, bool(t.found), bool(s.found), tuple(tuple(sp) for sp in t.spans))
                     for t, s in zip(tolerant, strict))
    return _substring_hits(lang, usable, text)


def _substring_hits(lang: str, keywords: Sequence[str], text: str) -> tuple[KeywordHit, ...]:
    """The substring matcher's verdicts (`found_strict`, `found_tolerant`), located on `text`."""
    tok, rule = get_tokenizer(lang), keyword_metric.RULES[lang]
    chars, origin = _surface_with_origin(text, tok)
    out = []
    for kw in keywords:
        strict = keyword_metric.found_strict(kw, text, tok, rule)
        found = keyword_metric.found_tolerant(kw, text, tok, rule)
        spans: tuple[tuple[int, int], ...] = ()
        if found:
            spans = _locate_strict(tok.surface(kw), chars, origin, rule.spaceless)
            if not spans and rule.match == "stem":
                spans = _locate_stems([keyword_metric.stem(w, rule) for w in tok.surface(kw).split()], chars, origin)
        out.append(KeywordHit(kw, found, strict, spans))
    return tuple(out)


def _surface_with_origin(text: str, tok) -> tuple[str, list[int]]:
    """The tokenizer's surface form built character by character, with each output character's
    index in `text` (punctuation and spaces collapse to one space, as in `Tokenizer.surface`)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        s = tok.surface(ch)
        if not s:
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(i)
            continue
        for c in s:
            if c == " ":
                if out and out[-1] != " ":
                    out.append(" ")
                    origin.append(i)
                continue
            out.append(c)
            origin.append(i)
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def _span(origin: list[int], start: int, end: int) -> tuple[int, int]:
    return origin[start], origin[end - 1] + 1


def _locate_strict(kw: str, chars: str, origin: list[int], spaceless: bool) -> tuple[tuple[int, int], ...]:
    if spaceless:
        keep = [i for i, c in enumerate(chars) if c != " "]
        chars, origin = "".join(chars[i] for i in keep), [origin[i] for i in keep]
        kw = kw.replace(" ", "")
    spans, at = [], chars.find(kw) if kw else -1
    while at >= 0:
        spans.append(_span(origin, at, at + len(kw)))
        at = chars.find(kw, at + len(kw))
    return tuple(spans)


def _locate_stems(stems: list[str], chars: str, origin: list[int]) -> tuple[tuple[int, int], ...]:
    words, pos = [], 0
    for w in chars.split(" "):
        words.append((w, pos))
        pos += len(w) + 1
    spans = []
    for j in range(len(words) - len(stems) + 1):
        if stems and all(words[j + k][0].startswith(s) for k, s in enumerate(stems)):
            last, last_at = words[j + len(stems) - 1]
            spans.append(_span(origin, words[j][1], last_at + len(last)))
    return tuple(spans)
