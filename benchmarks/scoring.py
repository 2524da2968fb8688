"""Scoring cost: the COCO caption-metric path vs mella-bench, like with like, interleaved and repeated.

    PYTHONPATH=. python benchmarks/scoring.py [--items 1000] [--langs all] [--repeats 3]

Generates, for each of the 8 languages, N items of long captions (about 120-word references built
from runs of real text in that language — test sentences, sample items and the task prompts,
hypotheses perturbed from them: dropped, replaced and swapped words; Thai glued as Thai is written)
and scores them four ways, each in a fresh child process:

(coco)       what lmms-eval's COCO-style caption tasks do per task: pycocoevalcap PTBTokenizer, then
             Bleu(4), Meteor() (English `-l en -norm` with the English paraphrase table, a new JVM per
             task), Rouge(), Cider(). The lean form: lmms-eval rebuilds every scorer per reported metric.
(coco-same)  the same path, but METEOR runs with mella-bench's per-language settings (exact or
             exact+stem, `-l other/cz/hu/ru`, no paraphrase table, no `-norm`), still a new JVM per task:
             the METEOR work is now the same as in (mella-4).
(mella-4)    mella-bench on the same four metrics (BLEU-4, METEOR, ROUGE-L, CIDEr-D): per-language
             tokenisation (Thai newmm), METEOR with one JVM per setting for the whole run.
(mella-full) mella-bench's full profile: the four plus chrF++, Keyword Accuracy (both variants) and
             language fidelity.

What still differs between (coco-same) and (mella-4): tokenisation (PTB, English-oriented, vs the
language's own tokenizer), CIDEr's variant (COCO CIDEr vs CIDEr-D), and JVM start-ups (one per
task vs one per METEOR setting). (coco) additionally does different METEOR work (paraphrase
matching), so its ratio must not be read as a speed-up of the same computation.

The paths run interleaved (coco, coco-same, mella-4, mella-full, then again) `--repeats` times.
Reported per path: median CPU seconds (user + system of the child and every process it waited for,
the JVMs included), median wall seconds of scoring (data generation excluded), peak memory (largest
total RSS of the child and its descendants, sampled every 20 ms), and the load average before and
after. Nothing here asserts: it prints what it measured and the ratios it claims.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
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
    from mella_bench.data.tasks import load_registry

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


def _same_settings_meteor(lang: str):  # noqa: ANN202 - a pycocoevalcap Meteor
    """pycocoevalcap's Meteor class speaking to a JVM started with mella-bench's settings for `lang`."""
    import tempfile
    import threading

    from pycocoevalcap.meteor.meteor import Meteor

    from mella_bench.metrics.meteor import SETTINGS, command, function_word_file

    class SameSettingsMeteor(Meteor):
        def __init__(self) -> None:  # pylint: disable=super-init-not-called
            self._dir = tempfile.TemporaryDirectory()
            words = function_word_file(SETTINGS[lang], Path(self._dir.name))
            self.meteor_p = subprocess.Popen(command(SETTINGS[lang], words), stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.lock = threading.Lock()

    return SameSettingsMeteor()


def path_reference(data: dict, same_meteor: bool = False) -> dict:
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
            scorer = _same_settings_meteor(lang) if same_meteor else Meteor()
            meteor, _ = scorer.compute_score(gts_t, res_t)
            del scorer  # its __del__ stops and reaps the JVM (so the JVM's CPU time is counted)
        with _stage("rouge_l"):
            rouge, _ = Rouge().compute_score(gts_t, res_t)
        with _stage("cider"):
            cider, _ = Cider().compute_score(gts_t, res_t)
        out[lang] = {"bleu": 100 * bleu[3], "meteor": 100 * meteor, "rouge_l": 100 * rouge, "cider": 100 * cider}
        _progress("a", lang)
    return out


def path_mella(data: dict, metrics: tuple[str, ...] | None = None) -> dict:
    from mella_bench.metrics import METRICS
    from mella_bench.metrics.base import Corpus
    from mella_bench.metrics.base import ScoringSession
    from mella_bench.metrics.registry import score_corpus

    out: dict = {}
    with ScoringSession() as session:
        for lang, (hyps, refs, kws) in data.items():
            corpus = Corpus(lang, tuple(hyps), tuple(tuple(r) for r in refs), keywords=tuple(tuple(k) for k in kws))
            with _stage("tokenize"):
                corpus.hyp_tokens, corpus.ref_tokens  # noqa: B018 - cached for every metric
            out[lang] = {}
            for metric in metrics or METRICS:
                with _stage(metric):
                    out[lang][metric] = score_corpus(corpus, [metric], session)[metric].value
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


PATHS = ("coco", "coco-same", "mella-4", "mella-full")
SAME_FOUR = ("bleu", "meteor", "rouge_l", "cider")


def child(which: str, n: int, langs: tuple[str, ...]) -> None:
    data = {lang: make_items(lang, n) for lang in langs}
    start = time.perf_counter()
    if which in ("coco", "coco-same"):
        values = path_reference(data, same_meteor=which == "coco-same")
    else:
        values = path_mella(data, SAME_FOUR if which == "mella-4" else None)
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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.02)
    stdout, _ = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"path ({which}) failed (exit {proc.returncode}); run it alone with --child {which}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_tree_rss_mb"] = peak
    # CPU of the whole child (generation included), so the generation's share is estimated and removed:
    # it is the same in every path (same items), measured here as CPU spent before scoring started
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1000, help="items per language (default 1000)")
    ap.add_argument("--langs", default="all")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--paths", default=",".join(PATHS), help=f"comma list of {', '.join(PATHS)}")
    ap.add_argument("--child", choices=PATHS + ("generate",), help=argparse.SUPPRESS)
    args = ap.parse_args()
    langs = parse_langs(args.langs)
    if args.child == "generate":  # the CPU cost of generating the items alone (subtracted below)
        for lang in langs:
            make_items(lang, args.items)
        print(json.dumps({"seconds": 0, "values": {}, "stages": {}, "self_maxrss_mb": 0, "children_maxrss_mb": 0}))
        return
    if args.child:
        child(args.child, args.items, langs)
        return
    paths = [p for p in args.paths.split(",") if p]
    print(f"{len(langs)} languages x {args.items} items, ~{WORDS_PER_CAPTION}-word captions, 1 reference each; "
          f"{args.repeats} interleaved repeats; load average before: {_load()} ({os.cpu_count()} CPUs)")
    runs: dict[str, list[dict]] = {p: [] for p in paths}
    gen: list[float] = []
    for r in range(args.repeats):
        gen.append(measure("generate", args.items, langs)["cpu_s"])
        for p in paths:
            runs[p].append(measure(p, args.items, langs))
            print(f"  repeat {r + 1}: {p:<10} wall {runs[p][-1]['seconds']:6.1f}s  "
                  f"cpu {runs[p][-1]['cpu_s'] - gen[-1]:6.1f}s", file=sys.stderr, flush=True)
    gen_cpu = statistics.median(gen)
    summary = {p: {"wall": statistics.median(x["seconds"] for x in rs),
                   "cpu": statistics.median(x["cpu_s"] for x in rs) - gen_cpu,
                   "rss": max(x["peak_tree_rss_mb"] for x in rs), "last": rs[-1]} for p, rs in runs.items()}
    print(f"{'path':<12} {'median cpu':>10} {'median wall':>12} {'peak RSS (tree)':>16}")
    for p, v in summary.items():
        print(f"{p:<12} {v['cpu']:>9.1f}s {v['wall']:>11.1f}s {v['rss']:>13.0f} MB")
    print(f"(cpu excludes item generation: {gen_cpu:.1f}s of CPU, measured alone in the same child setup)")
    pairs = [("coco-same", "mella-4", "same four metrics, same METEOR work"),
             ("coco", "mella-4", "same four metric names, but English METEOR with paraphrases in (coco)"),
             ("mella-4", "mella-full", "what the four extra metrics cost")]
    for a, b, what in pairs:
        if a in summary and b in summary:
            print(f"ratio {a}/{b}: cpu {summary[a]['cpu'] / summary[b]['cpu']:.2f}x, "
                  f"wall {summary[a]['wall'] / summary[b]['wall']:.2f}x  ({what})")
    print(f"load average after: {_load()}")
    for p, v in summary.items():
        print(f"  {p} stages (last repeat): " + ", ".join(f"{k} {t:.1f}s" for k, t in v["last"]["stages"].items()))
    print("\nper-language values (last repeat):")
    for lang in langs:
        for p, v in summary.items():
            print(f"  {lang} {p:<10} " + " ".join(f"{k}={x:.1f}" for k, x in v["last"]["values"][lang].items()))


if __name__ == "__main__":
    main()
