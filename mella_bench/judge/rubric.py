"""Judge rubrics: `judges/<id>.yaml` + the shared `judges/_template.yaml`, validated, hashed, rendered.

A rubric is data (anchors, rules, caps, one checklist per language, the answer's JSON schema); the
template is one text for every language with the language's checklist inserted. The rubric hash
covers both, so editing either re-judges everything cached under the old hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from string import Template
from typing import Any, Mapping

from mella_bench.langs import LANG_CODES, LANGUAGES
from mella_bench.data.yamlio import ConfigError, data_dir, load_yaml

JUDGES_DIR = data_dir("judges")
RUBRIC_IDS: tuple[str, ...] = ("cultural_depth", "linguistic_fluency", "visual_faithfulness")

_RUBRIC_KEYS = {"id", "version", "title", "criterion", "anchors", "rules", "caps", "checklists", "output_schema"}
_TEMPLATE_KEYS = {"version", "system", "pointwise", "pairwise", "image_note_on", "image_note_off", "pairwise_schema"}


@dataclass(frozen=True)
class Cap:
    """An upper bound on the score, triggered by a field of the judge's answer (enforced in code)."""

    field: str
    max: int
    reason: str
    where: Mapping[str, Any] | None = None
    """For a list field: triggers when any element has all these key/values."""
    equals: Any = None
    """For a scalar field: triggers when the value equals this."""

    def triggered(self, verdict: Mapping[str, Any]) -> bool:
        value = verdict.get(self.field)
        if isinstance(value, list):
            return any(isinstance(el, dict) and all(el.get(k) == v for k, v in (self.where or {}).items())
                       for el in value) if self.where else bool(value)
        return value == self.equals


@dataclass(frozen=True)
class Rubric:
    """One judge dimension, ready to render for any of the eight languages."""

    id: str
    version: int
    title: str
    criterion: str
    anchors: Mapping[int, str]
    rules: tuple[str, ...]
    caps: tuple[Cap, ...]
    checklists: Mapping[str, tuple[str, ...]]
    output_schema: Mapping[str, Any]
    template: Mapping[str, Any]
    source: str = ""

    @cached_property
    def hash(self) -> str:
        """Content hash of the rubric and the template (12 hex chars); computed once (every judgment's
        cache key and record carry it)."""
        payload = {"id": self.id, "version": self.version, "title": self.title, "criterion": self.criterion,
                   "anchors": {str(k): v for k, v in self.anchors.items()}, "rules": list(self.rules),
                   "caps": [c.__dict__ for c in self.caps],
                   "checklists": {k: list(v) for k, v in self.checklists.items()},
                   "output_schema": self.output_schema, "template": self.template}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    # ------------------------------------------------------------ rendering
    @cached_property
    def _fixed(self) -> dict[str, Any]:
        """The rubric's own parts of every prompt, rendered once."""
        return {"title": self.title, "criterion": self.criterion,
                "anchors": "\n".join(f"{k}: {v}" for k, v in sorted(self.anchors.items())),
                "rules": "\n".join(f"- {r}" for r in self.rules),
                "checklists": {lang: "\n".join(f"- {c}" for c in items) for lang, items in self.checklists.items()},
                "schema": json.dumps(self.output_schema, ensure_ascii=False),
                "pairwise_schema": json.dumps(self.template["pairwise_schema"], ensure_ascii=False),
                "pointwise_template": Template(self.template["pointwise"]),
                "pairwise_template": Template(self.template["pairwise"])}

    def _common(self, lang: str, prompt: str, references: tuple[str, ...], keywords: tuple[str, ...],
                images: bool) -> dict[str, str]:
        language = LANGUAGES[lang]
        fixed = self._fixed
        return {
            "title": fixed["title"], "criterion": fixed["criterion"], "anchors": fixed["anchors"],
            "rules": fixed["rules"], "checklist": fixed["checklists"][lang],
            "lang": lang, "lang_name": language.name, "lang_native": language.native,
            "image_note": self.template["image_note_on" if images else "image_note_off"],
            "prompt": prompt,
            "references": "\n".join(f"[{i + 1}] {r}" for i, r in enumerate(references)) or "(none)",
            "keywords": ", ".join(keywords) if keywords else "(none)",
        }

    def render(self, *, lang: str, prompt: str, candidate: str, references: tuple[str, ...],
               keywords: tuple[str, ...], images: bool) -> tuple[str, str]:
        """(system, user text) for a pointwise judgment."""
        fields = self._common(lang, prompt, references, keywords, images)
        fields.update(candidate=candidate, schema=self._fixed["schema"])
        return self.template["system"], self._fixed["pointwise_template"].substitute(fields)

    def render_pairwise(self, *, lang: str, prompt: str, candidate_a: str, candidate_b: str,
                        references: tuple[str, ...], keywords: tuple[str, ...], images: bool) -> tuple[str, str]:
        """(system, user text) for a pairwise comparison on this rubric's dimension."""
        fields = self._common(lang, prompt, references, keywords, images)
        fields.update(candidate_a=candidate_a, candidate_b=candidate_b,
                      schema=self._fixed["pairwise_schema"])
        return self.template["system"], self._fixed["pairwise_template"].substitute(fields)


# ---------------------------------------------------------------- loading and validation

def _fail(path: Path, msg: str) -> ConfigError:
    return ConfigError(f"{path}: {msg}")


def _check_schema(path: Path, schema: Any, where: str) -> None:
    """The answer schema must be a strict object (structured output) ending in an integer 1–5 score."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise _fail(path, f"{where}: must be a JSON schema of type object")
    props = schema.get("properties")
    if not isinstance(props, dict) or not props:
        raise _fail(path, f"{where}: needs 'properties'")
    if schema.get("additionalProperties") is not False or list(schema.get("required", [])) != list(props):
        raise _fail(path, f"{where}: must set additionalProperties: false and require every property, in order "
                          "(strict structured output)")


def _load_template(folder: Path) -> dict[str, Any]:
    path = folder / "_template.yaml"
    raw = load_yaml(path)
    missing, unknown = _TEMPLATE_KEYS - set(raw), set(raw) - _TEMPLATE_KEYS
    if missing or unknown:
        raise _fail(path, f"missing key(s) {sorted(missing)}, unknown key(s) {sorted(unknown)}")
    _check_schema(path, raw["pairwise_schema"], "pairwise_schema")
    return raw


def _parse_caps(path: Path, raw: Any) -> tuple[Cap, ...]:
    if not isinstance(raw, list):
        raise _fail(path, "key 'caps' must be a list")
    caps = []
    for i, c in enumerate(raw):
        if not isinstance(c, dict) or set(c) - {"field", "max", "reason", "where", "equals"} \
                or not isinstance(c.get("field"), str) or c.get("max") not in (1, 2, 3, 4) or not c.get("reason"):
            raise _fail(path, f"caps[{i}]: needs field (str), max (1-4), reason; optional where or equals")
        caps.append(Cap(field=c["field"], max=c["max"], reason=str(c["reason"]), where=c.get("where"),
                        equals=c.get("equals")))
    return tuple(caps)


def load_rubric(rubric_id: str, folder: Path | None = None) -> Rubric:
    """Load and validate one rubric; every problem names the file and key."""
    folder = folder or JUDGES_DIR
    path = folder / f"{rubric_id}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("_"))
        raise ConfigError(f"unknown rubric '{rubric_id}'; available: {', '.join(known)}")
    raw = load_yaml(path)
    missing, unknown = _RUBRIC_KEYS - set(raw), set(raw) - _RUBRIC_KEYS
    if missing or unknown:
        raise _fail(path, f"missing key(s) {sorted(missing)}, unknown key(s) {sorted(unknown)}")
    if raw["id"] != rubric_id:
        raise _fail(path, f"key 'id': '{raw['id']}' must equal the file name '{rubric_id}'")
    anchors = raw["anchors"]
    if not isinstance(anchors, dict) or sorted(anchors) != [1, 2, 3, 4, 5] or \
            not all(isinstance(v, str) and v.strip() for v in anchors.values()):
        raise _fail(path, "key 'anchors': needs a non-empty description for each score 1, 2, 3, 4, 5")
    checklists = raw["checklists"]
    if not isinstance(checklists, dict) or set(checklists) != set(LANG_CODES) or \
            not all(isinstance(v, list) and v and all(isinstance(s, str) for s in v) for v in checklists.values()):
        raise _fail(path, f"key 'checklists': needs a non-empty list of strings for each of {', '.join(LANG_CODES)}")
    if not isinstance(raw["rules"], list) or not all(isinstance(r, str) for r in raw["rules"]):
        raise _fail(path, "key 'rules' must be a list of strings")
    schema = raw["output_schema"]
    _check_schema(path, schema, "key 'output_schema'")
    props = list(schema["properties"])
    score = schema["properties"].get("score", {})
    if props[-1] != "score" or score.get("type") != "integer" or (score.get("minimum"), score.get("maximum")) != (1, 5):
        raise _fail(path, "key 'output_schema': the last property must be 'score' (integer, minimum 1, maximum 5), "
                          "so the judge writes its evidence first")
    caps = _parse_caps(path, raw["caps"])
    for cap in caps:
        if cap.field not in schema["properties"]:
            raise _fail(path, f"caps: field '{cap.field}' is not in output_schema")
    return Rubric(id=rubric_id, version=int(raw["version"]), title=str(raw["title"]), criterion=str(raw["criterion"]),
                  anchors={int(k): str(v) for k, v in anchors.items()}, rules=tuple(raw["rules"]), caps=caps,
                  checklists={k: tuple(v) for k, v in checklists.items()}, output_schema=schema,
                  template=_load_template(folder), source=str(path))


@lru_cache(maxsize=None)
def get_rubric(rubric_id: str) -> Rubric:
    """The shipped rubric (cached per process)."""
    return load_rubric(rubric_id)
