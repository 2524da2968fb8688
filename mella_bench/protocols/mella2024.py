"""`mella-2024`: the caption scoring of the MELLA authors' 2024 evaluator, re-implemented.

The MELLA authors scored captions (their public working repository, gyfffffff/InternVL, Nov–Dec
2024) with a VQA-style answer normaliser followed by one `aac-metrics` 0.5.4 `evaluate` call per
item on a two-copy corpus (`[pred, pred]` against `[[ref], [ref]]`), then averaged each metric over
the items. This module does the same computation on the jars pycocoevalcap ships, without
aac-metrics, and with one JVM per jar per scoring call instead of two JVMs per item:

1. **Normaliser** (prediction only; `normalize_answer`): lower-case; drop `,` and `?`; `'s` → ` 's`;
   newlines and tabs → spaces; 21 punctuation characters removed (when the text has them next to a
   space) or replaced by a space; `.` not followed by a digit removed, **at most 32 times** (the
   original passes `re.UNICODE`, whose value is 32, as `re.sub`'s *count*); whitespace split;
   English number words → digits; `a`/`an`/`the` dropped; English contractions restored.
2. **Cuts**: the normalised prediction and each raw reference are cut to their first 1,300
   characters (code points). `truncate=False` reproduces the authors' code before 2024-12-06.
3. **Tokenisation**: Stanford CoreNLP 3.4.1 `PTBTokenizer -preserveLines -lowerCase` (English rules
   for every language: Thai is not segmented), then the tokens `'' ' `` ` -LRB- -RRB- -LCB- -RCB- .
   ? ! , : - -- ... ;` are removed (case-sensitive, so the lower-cased `-lrb-` stays, as in the
   original).
4. **Metrics per item**, on the two-copy corpus: COCO BLEU-1..4 with the "closest" reference length
   (corpus sums over the two copies, smoothing 1e-15/1e-9 — why the Thai BLEU-4 is 9e-08, not 0);
   METEOR 1.5 `-l en -norm` (the jar's `EVAL` over two identical segments); ROUGE-L (β = 1.2, 0 for
   an empty prediction). CIDEr-D is always 0 on a two-copy corpus and SPICE needs models that cannot
   be downloaded here; neither is computed.
5. **Mean over items** of each metric (authors' 0–1 scale; summaries use 0–100 = ×100).

**Items the original leaves out.** The original wraps each item in `try/except` and silently leaves
out the items whose `evaluate` call raises. Here they are left out of the mean too — that is the
protocol — but every one is listed with its reason in the summary:
- a reference with a `\\n` (aac-metrics refuses it: "found newlines");
- a reference with another character the PTB lexer treats as a line break (`\\r`, VT, FF, U+2028,
  U+2029; measured on the jar): the tokenizer's line-count check raises;
- a reference with no token left after tokenisation (ROUGE-L divides by zero, CIDEr-D's document
  frequencies are empty).
The normalised prediction never has a line break (step 1 splits on all whitespace).

Settings: `truncate` (the 1,300-character cuts) and `skip_multiline_refs` (the authors' newest,
2024-12-30 blocks, which leave out multi-line references; aac-metrics 0.5.4 rejects those in every
setting, so the flag changes no number and is recorded in the signature for provenance).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import math
import re
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

from mella_bench.langs import ENGLISH
from mella_bench.metrics.rouge import lcs_length

NAME = "mella-2024"
CUT = 1300
METRICS = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l")
PTB_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\u2028", "\u2029")
"""Characters other than `\\n` on which PTBTokenizer 3.4.1 `-preserveLines` starts a new output line
(measured; U+0085 is not one of them: the jar maps it to `...`)."""
PTB_REMOVED = frozenset(("''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-",
                         "--", "...", ";"))
_TINY, _SMALL = 1e-15, 1e-9
_BETA = 1.2
_CHUNK = 100


# ------------------------------------------------------------------------------------------------
# settings and outcomes


@dataclass(frozen=True)
class Settings:
    """Which variant of the authors' pipeline to reproduce."""

    truncate: bool = True
    """Cut the normalised prediction and the references to 1,300 characters (code of 2024-12-06 on)."""
    skip_multiline_refs: bool = False
    """The 2024-12-30 setting (multi-line references left out; see the module docstring)."""

    def signature_fields(self) -> dict[str, Any]:
        return {
            "protocol": NAME,
            "norm": "vqa-evalai(period-limit:32)",
            "cut": f"{CUT}chars" if self.truncate else "none",
            "multiline_refs": "skip" if self.skip_multiline_refs else "left-out-by-tokenizer",
            "tok": "ptb-corenlp-3.4.1(-preserveLines,-lowerCase,-punct)",
            "corpus": "two-copy-per-item",
            "bleu": "coco-closest(tiny:1e-15,small:1e-9)",
            "meteor": "meteor-1.5(-l:en,-norm)",
            "rouge_l": "coco-lcs(beta:1.2)",
            "mean": "items",
        }


ItemStatus = Literal["ok", "left_out"]


@dataclass(frozen=True)
class ItemScore:
    """One item under the protocol: its six values (0–1, authors' scale) or why it is left out."""

    item_id: str
    status: ItemStatus
    values: Mapping[str, float] = field(default_factory=dict)
    reason: str | None = None


@dataclass(frozen=True)
class Pair:
    """One prediction with its reference(s), as the protocol receives it."""

    item_id: str
    prediction: str
    references: tuple[str, ...]


# ------------------------------------------------------------------------------------------------
# 1. the answer normaliser


_PUNCTUATION = (";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",",
                "?", "!")
_NUMBERS = {"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
            "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
_ARTICLES = frozenset(("a", "an", "the"))
_PERIOD = re.compile(r"\.(?!\d)")
_PERIOD_LIMIT = 32
# "written form -> restored form", one pair per line. The evaluator's four capitalised keys (Im, Ive,
# Id've, I'dve) are left out: they are looked up in lower-cased text and can never match.
_CONTRACTION_PAIRS = """
aint ain't|arent aren't|cant can't|couldve could've|couldnt couldn't|couldn'tve couldn't've
couldnt've couldn't've|didnt didn't|doesnt doesn't|dont don't|hadnt hadn't|hadnt've hadn't've
hadn'tve hadn't've|hasnt hasn't|havent haven't|hed he'd|hed've he'd've|he'dve he'd've|hes he's
howd how'd|howll how'll|hows how's|isnt isn't|itd it'd|itd've it'd've|it'dve it'd've|itll it'll
let's let's|maam ma'am|mightnt mightn't|mightnt've mightn't've|mightn'tve mightn't've
mightve might've|mustnt mustn't|mustve must've|neednt needn't|notve not've|oclock o'clock
oughtnt oughtn't|ow's'at 'ow's'at|'ows'at 'ow's'at|'ow'sat 'ow's'at|shant shan't|shed've she'd've
she'dve she'd've|she's she's|shouldve should've|shouldnt shouldn't|shouldnt've shouldn't've
shouldn'tve shouldn't've|somebody'd somebodyd|somebodyd've somebody'd've|somebody'dve somebody'd've
somebodyll somebody'll|somebodys somebody's|someoned someone'd|someoned've someone'd've
someone'dve someone'd've|someonell someone'll|someones someone's|somethingd something'd
somethingd've something'd've|something'dve something'd've|somethingll something'll|thats that's
thered there'd|thered've there'd've|there'dve there'd've|therere there're|theres there's
theyd they'd|theyd've they'd've|they'dve they'd've|theyll they'll|theyre they're|theyve they've
twas 'twas|wasnt wasn't|wed've we'd've|we'dve we'd've|weve we've|werent weren't|whatll what'll
whatre what're|whats what's|whatve what've|whens when's|whered where'd|wheres where's
whereve where've|whod who'd|whod've who'd've|who'dve who'd've|wholl who'll|whos who's|whove who've
whyll why'll|whyre why're|whys why's|wont won't|wouldve would've|wouldnt wouldn't
wouldnt've wouldn't've|wouldn'tve wouldn't've|yall y'all|yall'll y'all'll|y'allll y'all'll
yall'd've y'all'd've|y'alld've y'all'd've|y'all'dve y'all'd've|youd you'd|youd've you'd've
you'dve you'd've|youll you'll|youre you're|youve you've
"""
_CONTRACTIONS = dict(tuple(p.split(" ")) for p in _CONTRACTION_PAIRS.replace("\n", "|").split("|") if p.strip())


def _punctuation(text: str) -> str:
    """Drop a punctuation character where the text has it next to a space, else make it a space.

    The test looks at the text as it came in, not as it is being rewritten (as the original)."""
    out = text
    for p in _PUNCTUATION:
        out = out.replace(p, "" if (p + " " in text or " " + p in text) else " ")
    return _PERIOD.sub("", out, count=_PERIOD_LIMIT)


def normalize_answer(text: str) -> str:
    """The authors' EvalAI/VQA-style normalisation of a prediction (steps in the module docstring)."""
    text = text.lower().replace(",", "").replace("?", "").replace("'s", " 's").strip()
    text = text.replace("\n", " ").replace("\t", " ").strip()
    text = _punctuation(text)
    words = [_NUMBERS.get(w, w) for w in text.lower().split()]
    return " ".join(_CONTRACTIONS.get(w, w) for w in words if w not in _ARTICLES)


def prepare(pair: Pair, settings: Settings) -> tuple[str, tuple[str, ...]]:
    """(candidate, references) as they enter tokenisation: normalised, and cut when `truncate`."""
    cand = normalize_answer(pair.prediction)
    refs = pair.references
    if settings.truncate:
        cand, refs = cand[:CUT], tuple(r[:CUT] for r in refs)
    return cand, refs


def line_break_reason(cand: str, refs: Sequence[str]) -> str | None:
    """Why the original tokenizer call raises on this item before tokenising, or None."""
    for who, text in [("prediction", cand)] + [("reference", r) for r in refs]:
        if "\n" in text:
            return f"{who} contains a newline: aac-metrics' PTB tokenizer refuses it (ValueError)"
        for ch in PTB_LINE_BREAKS:
            if ch in text:
                return (f"{who} contains U+{ord(ch):04X}, a line break for PTBTokenizer: its output line count "
                        "no longer matches (RuntimeError)")
    return None


# ------------------------------------------------------------------------------------------------
# 2. the jars


def _jar(module: str, name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise RuntimeError("pycocoevalcap is not installed (pip install pycocoevalcap): it ships the jars")
    path = Path(spec.origin).parent / name
    if not path.is_file():
        raise RuntimeError(f"{path} not found; reinstall pycocoevalcap")
    return path


def ptb_jar() -> Path:
    return _jar("pycocoevalcap.tokenizer.ptbtokenizer", "stanford-corenlp-3.4.1.jar")


def meteor_jar() -> Path:
    return _jar("pycocoevalcap.meteor.meteor", "meteor-1.5.jar")


def _java() -> str:
    from mella_bench.metrics.meteor import java_path

    return java_path()


def ptb_tokenize(sentences: Sequence[str]) -> list[list[str]]:
    """Tokens of each sentence (none may hold a line break), punctuation tokens removed; one JVM.

    A sentinel last line keeps every real sentence away from the end of the file, where the lexer
    adds a `.` after a final abbreviation (a removed token either way)."""
    if not sentences:
        return []
    bad = [i for i, s in enumerate(sentences) if "\n" in s or any(ch in s for ch in PTB_LINE_BREAKS)]
    if bad:
        raise ValueError(f"sentences {bad[:5]} hold line breaks; PTBTokenizer -preserveLines would split them")
    with tempfile.TemporaryDirectory(prefix="mella-ptb-") as tmp:
        path = Path(tmp) / "sentences.txt"
        path.write_bytes(("\n".join(sentences) + "\nsentinel").encode("utf-8"))
        proc = subprocess.run([_java(), "-cp", str(ptb_jar()), "edu.stanford.nlp.process.PTBTokenizer",
                               "-preserveLines", "-lowerCase", str(path)], capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"PTBTokenizer failed (exit {proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace')[-1000:]}")
    lines = proc.stdout.decode("utf-8").split("\n")
    if len(lines) != len(sentences) + 1:
        raise RuntimeError(f"PTBTokenizer returned {len(lines) - 1} lines for {len(sentences)} sentences")
    return [[w for w in line.rstrip().split(" ") if w not in PTB_REMOVED] for line in lines[:-1]]


class _MeteorJvm:
    """One METEOR 1.5 JVM with the original's flags (`-l en -norm`), speaking `-stdio`."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [_java(), "-Duser.country=US", "-Duser.language=en", "-Xmx2G", "-jar", str(meteor_jar()),
             "-", "-", "-stdio", "-l", ENGLISH, "-norm"],  # the authors' English settings, for every language
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def _ask(self, lines: Sequence[str], replies: int) -> list[str]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("".join(line + "\n" for line in lines).encode("utf-8"))
        self._proc.stdin.flush()
        out = []
        for _ in range(replies):
            line = self._proc.stdout.readline()
            if not line:
                raise RuntimeError(f"METEOR JVM exited (code {self._proc.poll()})")
            out.append(line.decode("utf-8").strip())
        return out

    def scores(self, cands: Sequence[str], refs: Sequence[Sequence[str]]) -> list[float]:
        out: list[float] = []
        for start in range(0, len(cands), _CHUNK):
            part = range(start, min(start + _CHUNK, len(cands)))
            # the original's line: candidate without "|||" and double spaces, references verbatim
            score_lines = [" ||| ".join(("SCORE", *refs[i], cands[i].replace("|||", "").replace("  ", " ")))
                           for i in part]
            stats = self._ask(score_lines, len(score_lines))
            # two identical segments, as in the two-copy corpus; the third reply is the corpus score
            replies = self._ask([f"EVAL ||| {s} ||| {s}" for s in stats], 3 * len(stats))
            out += [float(replies[3 * k + 2]) for k in range(len(stats))]
        return out

    def close(self) -> None:
        from mella_bench.metrics.meteor import stop_jvm

        stop_jvm(self._proc)


class Meteor:
    """METEOR 1.5 with the original's flags for many items: one JVM by default.

    `workers > 1` splits the items over that many JVMs (each loads the 60 MB paraphrase table; the
    values do not depend on the split). Long non-English texts are slow to align with English
    settings (Thai, split into characters by `-norm`, takes most of a second per item)."""

    def __init__(self, workers: int = 1) -> None:
        self._jvms = [_MeteorJvm() for _ in range(max(1, workers))]

    def scores(self, cands: Sequence[str], refs: Sequence[Sequence[str]]) -> list[float]:
        """The corpus METEOR of each item's two-copy corpus (`EVAL` over two identical segments)."""
        if len(self._jvms) == 1 or len(cands) < 2:
            return self._jvms[0].scores(cands, refs)
        from concurrent.futures import ThreadPoolExecutor

        k = len(self._jvms)
        bounds = [(len(cands) * i // k, len(cands) * (i + 1) // k) for i in range(k)]
        with ThreadPoolExecutor(k) as pool:
            parts = list(pool.map(lambda jb: jb[0].scores(cands[jb[1][0]:jb[1][1]], refs[jb[1][0]:jb[1][1]]),
                                  zip(self._jvms, bounds)))
        return [v for part in parts for v in part]

    def close(self) -> None:
        for jvm in self._jvms:
            jvm.close()

    def __enter__(self) -> "Meteor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------
# 3. BLEU and ROUGE-L on the two-copy corpus


def _ngrams(words: Sequence[str], n: int) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            gram = tuple(words[i:i + k])
            counts[gram] = counts.get(gram, 0) + 1
    return counts


def bleu_two_copy(cand: str, refs: Sequence[str], n: int = 4, copies: int = 2) -> list[float]:
    """COCO BLEU-1..n of a corpus holding `copies` identical (cand, refs) segments.

    Counts are summed over the copies before the ratios are taken, as the corpus score does, so the
    smoothing constants act on doubled counts (this is what gives the tiny non-zero values)."""
    words = cand.split()
    ref_words = [r.split() for r in refs]
    max_ref: dict[tuple[str, ...], int] = {}
    for rw in ref_words:
        for gram, c in _ngrams(rw, n).items():
            max_ref[gram] = max(max_ref.get(gram, 0), c)
    correct = [0] * n
    for gram, c in _ngrams(words, n).items():
        correct[len(gram) - 1] += min(max_ref.get(gram, 0), c)
    guess = [max(0, len(words) - k) for k in range(n)]
    reflen = min((abs(len(rw) - len(words)), len(rw)) for rw in ref_words)[1]
    scores, running = [], 1.0
    for k in range(n):
        running *= float(copies * correct[k] + _TINY) / (copies * guess[k] + _SMALL)
        scores.append(running ** (1.0 / (k + 1)))
    ratio = (copies * len(words) + _TINY) / (copies * reflen + _SMALL)
    if ratio < 1:
        scores = [s * math.exp(1 - 1 / ratio) for s in scores]
    return scores


def rouge_l(cand: str, refs: Sequence[str]) -> float:
    """COCO ROUGE-L (max precision and recall over references, β = 1.2); 0 for an empty candidate.

    Raises ZeroDivisionError for an empty reference, as the original does."""
    words = cand.split()
    if not words:
        return 0.0
    prec, rec = [], []
    for ref in refs:
        rw = ref.split()
        common = lcs_length(rw, words)  # the same LCS as mella-bench's ROUGE-L
        prec.append(common / float(len(words)))
        rec.append(common / float(len(rw)))
    p, r = max(prec), max(rec)
    if p == 0 or r == 0:
        return 0.0
    return ((1 + _BETA ** 2) * p * r) / float(r + _BETA ** 2 * p)


# ------------------------------------------------------------------------------------------------
# 4. scoring a list of pairs


def score_pairs(pairs: Sequence[Pair], settings: Settings = Settings(), meteor: Meteor | None = None) -> list[ItemScore]:
    """Every pair scored as the original does, or left out with the reason the original would raise.

    Pass an open `Meteor` to score several lists on one JVM (its start-up, with the paraphrase
    table, is most of the cost); otherwise one is started for this call."""
    prepared = [prepare(p, settings) for p in pairs]
    reasons: list[str | None] = [line_break_reason(c, r) for c, r in prepared]
    sentences = list(dict.fromkeys(s for (c, r), why in zip(prepared, reasons) if why is None for s in (c, *r)))
    tokens = dict(zip(sentences, (" ".join(t) for t in ptb_tokenize(sentences))))
    todo: list[int] = []
    for i, ((cand, refs), why) in enumerate(zip(prepared, reasons)):
        if why is None and any(not tokens[r].split() for r in refs):
            reasons[i] = ("reference has no token after PTB tokenisation: ROUGE-L divides by zero and "
                          "CIDEr-D has no document frequency (the original raises)")
        elif why is None:
            todo.append(i)
    cands = [tokens[prepared[i][0]] for i in todo]
    refs = [[tokens[r] for r in prepared[i][1]] for i in todo]
    meteor_values: list[float] = []
    if todo and meteor is not None:
        meteor_values = meteor.scores(cands, refs)
    elif todo:
        with Meteor() as own:
            meteor_values = own.scores(cands, refs)
    by_index: dict[int, dict[str, float]] = {}
    for k, i in enumerate(todo):
        b = bleu_two_copy(cands[k], refs[k])
        by_index[i] = {"bleu_1": b[0], "bleu_2": b[1], "bleu_3": b[2], "bleu_4": b[3],
                       "meteor": meteor_values[k], "rouge_l": rouge_l(cands[k], refs[k])}
    return [ItemScore(p.item_id, "ok", by_index[i]) if i in by_index
            else ItemScore(p.item_id, "left_out", {}, reasons[i]) for i, p in enumerate(pairs)]


def mean_scores(items: Iterable[ItemScore]) -> dict[str, float | None]:
    """Each metric's plain mean over the scored items (0–1), in item order as the original sums."""
    ok = [it for it in items if it.status == "ok"]
    return {m: (sum(it.values[m] for it in ok) / len(ok) if ok else None) for m in METRICS}


# ------------------------------------------------------------------------------------------------
# 5. files of a run directory


SUMMARY_FILE = f"summary.{NAME}.json"
SCORES_FILE = f"scores.{NAME}.jsonl"
CACHE_FILE = f"cache.{NAME}.json"


# ------------------------------------------------------------------------------------------------
# 6. the item cache (`mella-bench tables`)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of what an item's values depend on besides its inputs: this module's and ROUGE-L's LCS
    source, the jars (pycocoevalcap's version) and the Java version (also in every signature)."""
    import importlib.metadata
    import sys

    h = hashlib.sha256()
    for module in (__name__, lcs_length.__module__):
        h.update(_code(Path(sys.modules[module].__file__ or "")) + b"\0")
    h.update(f"pycocoevalcap {importlib.metadata.version('pycocoevalcap')}|java {_java_version()}".encode())
    return h.hexdigest()[:32]


class _NoImportsOrDocs(ast.NodeTransformer):
    def visit_Import(self, node: ast.AST) -> None:
        return None

    visit_ImportFrom = visit_Import

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        return None if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str) else node


def _code(path: Path) -> bytes:
    """A module's code without its imports and docstrings: moving a module, or the modules it imports, does
    not change the values it computes, so it must not void the committed item caches."""
    tree = _NoImportsOrDocs().visit(ast.parse(path.read_text(encoding="utf-8")))
    return ast.dump(tree, annotate_fields=False).encode("utf-8")


def item_key(pair: Pair, settings: Settings) -> str:
    """Cache key of an item's values: its prediction and references under these settings (not its id:
    the values do not depend on it, and the exactness test checks the cache with its own ids)."""
    blob = json.dumps([settings.truncate, settings.skip_multiline_refs, pair.prediction, list(pair.references)],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


@dataclass
class ItemCache:
    """Item results by `item_key`: those read (`known`) and those used by this computation (`used`).

    Each item is scored on its own (per-line tokenisation, one METEOR segment per item), so an item's
    values do not depend on the other items scored with it; a cached item is exactly what
    `score_pairs` returns for it (tests/protocols)."""

    known: dict[str, ItemScore] = field(default_factory=dict)
    used: dict[str, ItemScore] = field(default_factory=dict)
    computed: int = 0

    def get(self, key: str) -> ItemScore | None:
        found = self.known.get(key)
        if found is not None:
            self.used[key] = found
        return found

    def put(self, key: str, item: ItemScore) -> None:
        self.known[key] = self.used[key] = item
        self.computed += 1


def load_item_cache(run_dir: Path) -> ItemCache:
    from mella_bench.store.cachefile import read_cache

    body = read_cache(Path(run_dir) / CACHE_FILE, code_version())
    return ItemCache({k: ItemScore("", v["status"], v.get("values") or {}, v.get("reason"))
                      for k, v in body.get("items", {}).items()})


def save_item_cache(run_dir: Path, cache: ItemCache) -> None:
    """Keep the entries this computation used (sorted: a re-run writes the same bytes)."""
    from mella_bench.store.cachefile import write_cache

    write_cache(Path(run_dir) / CACHE_FILE, code_version(), {"items": {
        k: {"status": v.status, "values": dict(v.values), "reason": v.reason} for k, v in sorted(cache.used.items())}})


# ------------------------------------------------------------------------------------------------
# 7. a run directory under the protocol


def _cached_scores(pairs: Sequence[Pair], st: Settings, meteor: Meteor | None, cache: ItemCache | None
                   ) -> dict[str, ItemScore]:
    """item id → its result: from the cache where the key is known, the rest scored (and cached)."""
    if cache is None:
        return {s.item_id: s for s in score_pairs(pairs, st, meteor)}
    keys = {p.item_id: item_key(p, st) for p in pairs}
    todo = [p for p in pairs if cache.get(keys[p.item_id]) is None]
    for s in score_pairs(todo, st, meteor) if todo else []:
        cache.put(keys[s.item_id], s)
    return {p.item_id: replace(cache.known[keys[p.item_id]], item_id=p.item_id) for p in pairs}


ITEMS_PER_JVM = 100
"""A second METEOR JVM (each loads the 60 MB paraphrase table) is started only for this many items more."""


@dataclass(frozen=True)
class _TaskPairs:
    """One task's answered items as the protocol sees them."""

    name: str
    lang: str
    axis: str
    item_ids: tuple[str, ...]
    """Every item with a prediction, in dataset order."""
    pairs: tuple[Pair, ...]
    """The items whose prediction is ok."""
    settings: Settings


def _task_pairs(task: Any, settings: Settings) -> _TaskPairs:
    ids, pairs = [], []
    for it in task.items:
        pred = task.predictions.get(it.id)
        if pred is None:
            continue
        ids.append(it.id)
        if pred.status == "ok":
            pairs.append(Pair(it.id, pred.text or "", tuple(it.references)))
    return _TaskPairs(task.name, task.lang, task.axis, tuple(ids), tuple(pairs), settings)


def item_keys(run_dir: Path, per_task: Mapping[str, Settings] | None = None,
              settings: Settings = Settings()) -> dict[str, str]:
    """Cache key → item id of every scorable item of the run under these settings (what
    `protocol_rows` with a cache looks up)."""
    from mella_bench.metrics.score import load_context

    work = [_task_pairs(task, (per_task or {}).get(task.name, settings)) for task in load_context(Path(run_dir)).tasks]
    return {item_key(p, w.settings): f"{w.name}/{p.item_id}" for w in work for p in w.pairs}


def protocol_rows(run_dir: Path, settings: Settings = Settings(), per_task: Mapping[str, Settings] | None = None,
                  meteor_workers: int = 1, cache: ItemCache | None = None,
                  progress: bool = False) -> list[dict[str, Any]]:
    """scores.jsonl-style rows (0–100, `stats = [value]`) of every item of every task, nothing written.

    Left-out items (and failed predictions) are `failed` rows carrying the reason. `per_task`
    overrides the settings of single tasks (the authors scored some blocks with other settings).
    With `cache`, items whose key (`item_key`) it holds are not scored again, and every item scored
    is added to it. At most `meteor_workers` METEOR JVMs, one per `ITEMS_PER_JVM` items to score."""
    from mella_bench.metrics.score import load_context
    from mella_bench.progress import track

    ctx = load_context(Path(run_dir))
    work = [_task_pairs(task, (per_task or {}).get(task.name, settings)) for task in ctx.tasks]
    todo = sum(1 for w in work for p in w.pairs if cache is None or item_key(p, w.settings) not in cache.known)
    meteor = Meteor(min(meteor_workers, -(-todo // ITEMS_PER_JVM))) if todo else None
    rows: list[dict[str, Any]] = []
    try:
        for w in track(work, len(work), f"{NAME} {Path(run_dir).name}", "task", progress):
            rows += _rows(w, _cached_scores(w.pairs, w.settings, meteor, cache) if w.pairs else {})
    finally:
        if meteor is not None:
            meteor.close()
    return rows


def _rows(w: _TaskPairs, scored: Mapping[str, ItemScore]) -> list[dict[str, Any]]:
    """Six rows per item; a left-out item or a failed prediction gives failed rows with the reason."""
    rows: list[dict[str, Any]] = []
    for item_id in w.item_ids:
        res = scored.get(item_id)
        for metric in METRICS:
            if res is not None and res.status == "ok":
                v = 100.0 * res.values[metric]
                rows.append({"task": w.name, "item_id": item_id, "lang": w.lang, "axis": w.axis,
                             "metric": metric, "status": "ok", "value": v, "stats": [v], "reason": None})
            else:
                why = res.reason if res is not None else "prediction failed"
                rows.append({"task": w.name, "item_id": item_id, "lang": w.lang, "axis": w.axis,
                             "metric": metric, "status": "failed", "value": None, "stats": None, "reason": why})
    return rows


def _java_version() -> str:
    try:
        out = subprocess.run([_java(), "-version"], capture_output=True, text=True, timeout=30)
        first = (out.stderr or out.stdout).splitlines()[0]
        return first.split('"')[1] if '"' in first else first
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def summarize(run_dir: Path, rows: Sequence[Mapping[str, Any]], settings: Settings,
              per_task: Mapping[str, Settings] | None = None, resamples: int = 1000) -> dict[str, Any]:
    """summary.json-shaped dict of protocol rows: value (mean over scored items), bootstrap CI, n, the
    left-out items with their reasons, and the signature of exactly what was computed."""
    import numpy as np

    from mella_bench import __version__
    from mella_bench.metrics.base import render_signature
    from mella_bench.store import load_header
    from mella_bench.stats import bootstrap_ci, mean_aggregate

    header = load_header(Path(run_dir))
    seed = int((header.get("seeds") or {}).get("run", 0))
    java = _java_version()
    tasks: dict[str, Any] = {}
    for name, info in header["tasks"].items():
        st = (per_task or {}).get(name, settings)
        mine = [r for r in rows if r["task"] == name]
        entry: dict[str, Any] = {"lang": info["lang"], "axis": info["axis"],
                                 "n_items": len({r["item_id"] for r in mine}), "metrics": {}}
        for metric in METRICS:
            mrows = [r for r in mine if r["metric"] == metric]
            ok = [r["value"] for r in mrows if r["status"] == "ok"]
            left = [{"item_id": r["item_id"], "reason": r["reason"]} for r in mrows if r["status"] != "ok"]
            left += [{"item_id": f"record {x.get('index')} ({x.get('question_id')})", "reason": x.get("reason")}
                     for x in info.get("skipped_records", [])]  # never became items (e.g. empty reference)
            value = sum(ok) / len(ok) if ok else None
            fields = {**st.signature_fields(), "metric": metric, "java": java, "n": len(ok),
                      "left_out": len(left), "version": __version__}
            ci = None
            if ok and resamples > 0:
                c = bootstrap_ci(np.asarray(ok, dtype=float)[:, None], mean_aggregate, resamples, seed, task=name)
                ci = [c.low, c.high]
                fields.update(c.signature_fields())
            entry["metrics"][metric] = {
                "value": value, "ci": ci, "n": len(ok), "n_failed": len(left),
                "failure_rate": len(left) / (len(ok) + len(left)) if ok or left else 0.0,
                "signature": render_signature(fields), "signature_fields": fields, "profiles": ["full"],
                "details": {"scale": "0-100 (the authors' 0-1 value x 100)", "left_out": left}}
        tasks[name] = entry
    return {"format_version": header["format_version"], "run": Path(run_dir).resolve().name,
            "model": dict(header.get("model", {})), "protocol": NAME, "tasks": tasks}


def score_run(run_dir: Path, settings: Settings = Settings(), resamples: int = 1000,
              progress: bool = False, reidentify: bool = False) -> dict[str, Any]:
    """`mella-bench score RUN_DIR --protocol mella-2024`: write scores.mella-2024.jsonl and
    summary.mella-2024.json beside the run's own files; return the summary."""
    from mella_bench.metrics.score import check_data, load_context
    from mella_bench.store import RunDir

    store = RunDir(Path(run_dir))
    with store.session():  # the lock is taken here too: a protocol's files are run-directory files
        check_data(load_context(store.path), reidentify, "score --protocol mella-2024")
        rows = protocol_rows(store.path, settings, progress=progress)
        store.write_scores(rows, SCORES_FILE)
        summary = summarize(store.path, rows, settings, resamples=resamples)
        store.write_summary(summary, SUMMARY_FILE)
    return summary


__all__ = ["CACHE_FILE", "CUT", "METRICS", "NAME", "SCORES_FILE", "SUMMARY_FILE", "ItemCache", "code_version",
           "item_key", "item_keys", "load_item_cache", "save_item_cache", "protocol_rows", "score_run", "summarize", "ItemScore", "Meteor", "Pair", "Settings", "bleu_two_copy", "mean_scores",
           "normalize_answer", "prepare", "ptb_tokenize", "rouge_l", "score_pairs"]
