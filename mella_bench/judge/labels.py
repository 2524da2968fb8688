"""Label records: what the labelling page exports and the harness reads back (`label import`,
`judge agreement`). One JSON object per line, one per answered question:

    {"format": "mella-label", "format_version": 1, "round": "...", "unit": "...", "labeller": "amira",
     "time": "2025-05-01T10:12:03.120Z", "task": "mella_ar_know", "item_id": "ar-know-0001",
     "item_identity": "<16 hex>", "lang": "<code>", "rubric": "cultural_depth", "rubric_hash": "<12 hex>",
     "question": "scale", "answer": "<answer hash>", "value": 4}

A preference has `"question": "preference"`, `"shown": [hash A, hash B]` (the order on screen) and
`"value": "A" | "B" | "tie"`. The item identity (`identity.identity_of`) and the answer hash
(`answer_hash`) tie a label to the exact content judged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping

from mella_bench.langs import LANG_CODES, LANGUAGES

LABEL_FORMAT, FORMAT_VERSION, LABELS_JSONL = "mella-label", 1, "labels.jsonl"
Question = Literal["scale", "preference"]
QUESTIONS: tuple[str, ...] = ("scale", "preference")


def answer_hash(text: str) -> str:
    """16 hex chars of SHA-256 of the answer text exactly as the run stored it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Label:
    """One answer to one question by one labeller, as the page exports it."""

    labeller: str
    time: str
    """When the labeller answered (ISO 8601, UTC)."""
    task: str
    item_id: str
    item_identity: str
    lang: str
    rubric: str
    question: Question
    value: int | str
    """Scale: the score; preference: 'A', 'B' or 'tie' (A = shown[0])."""
    answer: str | None = None
    """Scale: the answer hash."""
    shown: tuple[str, str] | None = None
    """Preference: the two answer hashes in the order shown."""
    round: str | None = None
    unit: str | None = None
    rubric_hash: str | None = None

    @property
    def answers_key(self) -> str:
        return self.answer if self.answer is not None else "|".join(sorted(self.shown or ()))

    @property
    def key(self) -> tuple[str, ...]:
        """What a later label of the same labeller replaces."""
        return (self.labeller, self.task, self.item_identity, self.rubric, self.question, self.answers_key)

    @property
    def preferred(self) -> str | None:
        """Preference: the hash of the answer preferred, None for a tie."""
        if self.shown is None or self.value == "tie":
            return None
        return self.shown[0] if self.value == "A" else self.shown[1]

    @property
    def answer_hashes(self) -> tuple[str, ...]:
        return (self.answer,) if self.answer is not None else tuple(self.shown or ())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": LABEL_FORMAT, "format_version": FORMAT_VERSION, "round": self.round,
                               "unit": self.unit, "labeller": self.labeller, "time": self.time, "task": self.task,
                               "item_id": self.item_id, "item_identity": self.item_identity, "lang": self.lang,
                               "rubric": self.rubric, "rubric_hash": self.rubric_hash, "question": self.question}
        if self.question == "scale":
            out["answer"] = self.answer
        else:
            out["shown"] = list(self.shown or ())
        out["value"] = self.value
        return out


class LabelError(ValueError):
    pass


def _hex(value: Any, n: int) -> bool:
    return isinstance(value, str) and len(value) == n and all(ch in "0123456789abcdef" for ch in value)


def _text(rec: Mapping[str, Any], name: str, where: str, limit: int = 200) -> str:
    v = rec.get(name)
    if not isinstance(v, str) or not v.strip() or len(v) > limit:
        raise LabelError(f"{where}: field '{name}': needs a non-empty string of at most {limit} characters")
    return v


def parse_time(value: str) -> datetime:
    """ISO 8601 with a time zone (the page writes UTC with 'Z')."""
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("no time zone")
    return t.astimezone(timezone.utc)


def parse_label(rec: Any, where: str) -> Label:
    """Validate one exported record; the error names the file, line and field."""
    if not isinstance(rec, dict):
        raise LabelError(f"{where}: a label record must be a JSON object")
    if rec.get("format") != LABEL_FORMAT or rec.get("format_version") != FORMAT_VERSION:
        raise LabelError(f"{where}: field 'format': expected {LABEL_FORMAT} version {FORMAT_VERSION} "
                         f"(got {rec.get('format')!r} version {rec.get('format_version')!r})")
    labeller, stamp = _text(rec, "labeller", where, 100), _text(rec, "time", where, 40)
    try:
        parse_time(stamp)
    except ValueError:
        raise LabelError(f"{where}: field 'time': {stamp!r} is not an ISO 8601 time with a time zone") from None
    task, item_id, rubric = _text(rec, "task", where), _text(rec, "item_id", where), _text(rec, "rubric", where)
    if not _hex(rec.get("item_identity"), 16):
        raise LabelError(f"{where}: field 'item_identity': needs 16 lowercase hex characters")
    lang = rec.get("lang")
    if lang not in LANGUAGES:
        raise LabelError(f"{where}: field 'lang': {lang!r} is not one of {', '.join(LANG_CODES)}")
    question, value = rec.get("question"), rec.get("value")
    answer, shown = None, None
    if question == "scale":
        if not _hex(rec.get("answer"), 16):
            raise LabelError(f"{where}: field 'answer': needs the answer hash (16 lowercase hex characters)")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise LabelError(f"{where}: field 'value': a scale label is an integer 1 to 5, got {value!r}")
        answer = rec["answer"]
    elif question == "preference":
        pair = rec.get("shown")
        if not isinstance(pair, list) or len(pair) != 2 or not all(_hex(h, 16) for h in pair) or pair[0] == pair[1]:
            raise LabelError(f"{where}: field 'shown': needs the two different answer hashes in the order shown")
        if value not in ("A", "B", "tie"):
            raise LabelError(f"{where}: field 'value': a preference is 'A', 'B' or 'tie', got {value!r}")
        shown = (pair[0], pair[1])
    else:
        raise LabelError(f"{where}: field 'question': must be 'scale' or 'preference', got {question!r}")
    opt = {k: rec.get(k) if isinstance(rec.get(k), str) else None for k in ("round", "unit", "rubric_hash")}
    return Label(labeller.strip(), stamp, task, item_id, rec["item_identity"], lang, rubric, question, value,
                 answer, shown, **opt)


def read_labels(paths: Iterable[Path]) -> tuple[list[Label], list[str]]:
    """Labels of JSONL files (a round folder means its labels.jsonl), and one problem per bad line:
    a bad line is skipped alone."""
    labels: list[Label] = []
    problems: list[str] = []
    for path in (Path(p) for p in paths):
        if path.is_dir():
            path = path / LABELS_JSONL
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such label file")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                labels.append(parse_label(json.loads(line), where))
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc.msg})")
            except LabelError as exc:
                problems.append(str(exc))
    return labels, problems


def latest(labels: Iterable[Label]) -> dict[tuple[str, ...], Label]:
    """Key → the labeller's latest answer (by time; at equal times the later record)."""
    out: dict[tuple[str, ...], Label] = {}
    for lab in labels:
        old = out.get(lab.key)
        if old is None or parse_time(lab.time) >= parse_time(old.time):
            out[lab.key] = lab
    return out
