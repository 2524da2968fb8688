"""Scoring cost: the common caption-metric path vs mella-bench's full profile, side by side.

    PYTHONPATH=. python benchmarks/scoring.py [--items 1000] [--langs all]

Generates, for each of the 8 languages, N items of long captions (about 120-word references built
from runs of real text in that language — test sentences, sample items and the task prompts, hypotheses perturbed from them: dropped, replaced and swapped
words; Thai glued as Thai is written) and scores them two ways, each in a fresh child process:

(a) reference path — what lmms-eval's COCO-style caption tasks do per task: pycocoevalcap
    PTBTokenizer on references and hypotheses, then Bleu(4), Meteor() (English `-l en -norm`, a new
    JVM per task, loading the English paraphrase table), Rouge(), Cider(). This is the lean form:
    lmms-eval itself re-tokenises and builds every scorer once per reported metric (7 times per task),
    so the real reference cost is higher than (a).
(b) mella-bench full profile — per-language tokenisation (Thai newmm), BLEU-4, chrF++, ROUGE-L,
    METEOR 1.5 with per-language settings (one JVM per setting for the whole run), CIDEr-D, Keyword
    Accuracy (both variants) and language fidelity.

Time is the wall time of scoring (data generation excluded); peak memory is the largest total RSS of
the child process and all its descendants (the JVMs), sampled from /proc every 20 ms, with the
child's own `ru_maxrss` figures beside it. Nothing here asserts: it prints what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mella_bench.langs import parse_langs  # noqa: E402
from tests.conftest import SAMPLE  # noqa: E402  (real text in every language)
from tests.metrics.texts import INFLECTED, SENTENCES  # noqa: E402

WORDS_PER_CAPTION = 120


def _texts(lang: str) -> list[str]:
    """Every real sentence we have in the language: test sentences, sample items, the task prompts."""
    from mella_bench.tasks import load_registry

    prompts = [t.prompt for t in load_registry().tasks.values() if t.lang == lang]
    return [*SENTENCES[lang], SAMPLE[lang][0], SAMPLE[lang][2], *(s for _, s in INFLECTED.get(lang, [])), *prompts]


def _words(lang: str) -> list[str]:
    if lang == "th":
        from pythainlp.tokenize import word_tokenize

        return [w for s in _texts(lang) for w in word_tokenize(s, engine="newmm", keep_whitespace=False)]
    return [w for s in _texts(lang) for w in s.split()]


def _join(lang: str, words: list[str]) -> str:
    if lang != "th":
        return " ".join(words)
    return " ".join("".join(words[i:i + 12]) for i in range(0, len(words), 12))  # Thai: spaces between phrases


def make_items(lang: str, n: int, seed: int = 0) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(hypotheses, references, keywords) of n long captions."""
    rng = random.Random(f"{seed}-{lang}")
    vocab = _words(lang)
    hyps, refs, kws = [], [], []
    for _ in range(n):
        ref: list[str] = []
        while len(ref) < WORDS_PER_CAPTION:  # runs of the real sentences, so n-grams are natural
            start = rng.randrange(len(vocab))
            ref.extend(vocab[start:start + rng.randint(4, 12)])
        hyp = []
        for w in ref:
            r = rng.random()
            if r < 0.12:
                continue
            hyp.append(rng.choice(vocab) if r < 0.25 else w)
        for _ in range(4):
            i = rng.randrange(len(hyp) - 1)
            hyp[i], hyp[i + 1] = hyp[i + 1], hyp[i]
        hyps.append(_join(lang, hyp))
        refs.append([_join(lang, ref)])
        kws.append(rng.sample(ref, 3))
    return hyps, refs, kws


def path_reference(data: dict) -> dict:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    out: dict = {}
    for lang, (hyps, refs, _) in data.items():
        gts = {i: [{"caption": r} for r in rs] for i, rs in enumerate(refs)}
        res = {i: [{"caption": h}] for i, h in enumerate(hyps)}
        with _stage("ptb-tokenize"):
            tok = PTBTokenizer()
            gts_t, res_t = tok.tokenize(gts), tok.tokenize(res)
        with _stage("bleu"):
            bleu, _ = Bleu(4).compute_score(gts_t, res_t, verbose=0)
        with _stage("meteor"):
            meteor, _ = Meteor().compute_score(gts_t, res_t)
        with _stage("rouge_l"):
            rouge, _ = Rouge().compute_score(gts_t, res_t)
        with _stage("cider"):
            cider, _ = Cider().compute_score(gts_t, res_t)
        out[lang] = {"bleu": 100 * bleu[3], "meteor": 100 * meteor, "rouge_l": 100 * rouge, "cider": 100 * cider}
        _progress("a", lang)
    return out


def path_mella(data: dict) -> dict:
    from mella_bench.metrics import METRICS
    from mella_bench.metrics.base import Corpus
    from mella_bench.metrics.meteor import MeteorPool
    from mella_bench.metrics.registry import score_corpus

    out: dict = {}
    with MeteorPool() as pool:
        for lang, (hyps, refs, kws) in data.items():
            corpus = Corpus(lang, tuple(hyps), tuple(tuple(r) for r in refs), keywords=tuple(tuple(k) for k in kws))
            with _stage("tokenize"):
                corpus.hyp_tokens, corpus.ref_tokens  # noqa: B018 - cached for every metric
            out[lang] = {}
            for metric in METRICS:
                with _stage(metric):
                    out[lang][metric] = score_corpus(corpus, [metric], pool)[metric].value
            _progress("b", lang)
    return out


def _progress(which: str, lang: str) -> None:
    print(f"  ({which}) {lang} done, stages so far: " + ", ".join(f"{k} {v:.1f}s" for k, v in STAGES.items()),
          file=sys.stderr, flush=True)


STAGES: dict[str, float] = {}


class _stage:
    """Accumulates wall time per stage name (printed as a breakdown)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        STAGES[self.name] = STAGES.get(self.name, 0.0) + time.perf_counter() - self.start


def child(which: str, n: int, langs: tuple[str, ...]) -> None:
    data = {lang: make_items(lang, n) for lang in langs}
    start = time.perf_counter()
    values = path_reference(data) if which == "a" else path_mella(data)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "values": values, "stages": STAGES,
                      "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def _tree_rss_mb(root: int) -> float:
    """Total RSS of `root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier.extend(kids)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def measure(which: str, n: int, langs: tuple[str, ...]) -> dict:
    cmd = [sys.executable, __file__, "--child", which, "--items", str(n), "--langs", ",".join(langs)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, cwd=ROOT)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.02)
    stdout, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"path ({which}) failed (exit {proc.returncode}); see its messages above")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_tree_rss_mb"] = peak
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1000, help="items per language (default 1000)")
    ap.add_argument("--langs", default="all")
    ap.add_argument("--child", choices=["a", "b"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    langs = parse_langs(args.langs)
    if args.child:
        child(args.child, args.items, langs)
        return
    print(f"{len(langs)} languages x {args.items} items, ~{WORDS_PER_CAPTION}-word captions, 1 reference each",
          file=sys.stderr)
    a = measure("a", args.items, langs)
    b = measure("b", args.items, langs)
    print(f"{'path':<52} {'seconds':>8} {'peak RSS (tree)':>16} {'py maxrss':>10} {'jvm maxrss':>11}")
    for name, r in (("(a) PTB + BLEU + METEOR(en) + ROUGE-L + CIDEr / task", a),
                    ("(b) mella-bench full profile (8 metrics)", b)):
        print(f"{name:<52} {r['seconds']:>8.1f} {r['peak_tree_rss_mb']:>13.0f} MB {r['self_maxrss_mb']:>7.0f} MB "
              f"{r['children_maxrss_mb']:>8.0f} MB")
    for name, r in (("(a)", a), ("(b)", b)):
        print(f"  {name} stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in r["stages"].items()))
    print(f"speed-up (a)/(b): {a['seconds'] / b['seconds']:.2f}x; "
          f"peak memory (b)/(a): {b['peak_tree_rss_mb'] / a['peak_tree_rss_mb']:.2f}x")
    print("\nper-language values (a: PTB/English settings; b: mella-bench):")
    for lang in langs:
        va, vb = a["values"][lang], b["values"][lang]
        print(f"  {lang}: a " + " ".join(f"{k}={v:.1f}" for k, v in va.items()))
        print("      b " + " ".join(f"{k}={v:.1f}" for k, v in vb.items()))


if __name__ == "__main__":
    main()
