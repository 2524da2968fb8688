"""METEOR 1.5 (the jar shipped with pycocoevalcap) with per-language settings, one JVM per language.

Settings (`Language.meteor` in `mella_bench.langs`, data): the jar has Snowball stemmers for Hungarian and Russian (`-m "exact stem"`),
function-word lists for Czech and Russian, tuned parameters for Czech (`-l cz`), and English-only
synonyms and paraphrases. Every other language gets exact matching with the jar's
language-independent parameters (`-l other`). Never `-norm`: the text arrives tokenised and
normalised by `mella_bench.metrics.text.tokenize`.

Two jar quirks handled here, both measured on meteor-1.5.jar:
- In every mode the jar loads *English* function words unless `-s FILE` names a list, whatever `-l`
  says. We always pass `-s`: the jar's own Czech/Russian list (extracted from the jar), or an empty
  list for languages the jar has none for (its Hungarian list is empty).
- Parameters and module weights are passed explicitly (`-p`, `-w`) with the jar's defaults for that
  language (a test checks they equal what the jar prints), so they are in the signature and
  `aggregate` can recompute the corpus score in Python.

Per-item sufficient statistics are the jar's 23 `SCORE` numbers (lengths, function-word counts,
per-stage content/function matches, chunks, word matches) followed by the 8 constants
(alpha, beta, gamma, delta, four module weights). The corpus value pools the 23 numbers as the jar's
`MeteorStats.addStats` does (a sum, except that a perfectly matched segment adds no chunk) and applies
METEOR's formula, exactly as the jar's `EVAL` does (tested against it); the constants are checked to
be identical across rows (rows of different languages cannot be pooled). `pool_rows` prepares the rows
once per task, so 1,000 bootstrap resamples are one matrix product plus `meteor_from_sums`.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import subprocess
import tempfile
import threading
import zipfile
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from mella_bench.langs import LANGUAGES
from mella_bench.metrics.base import Corpus, MetricResult, ScoringSession, nrefs_field

N_JAR_STATS = 23
N_PARAMS = 8
MODULE_ORDER = ("exact", "stem", "synonym", "paraphrase")
_CHUNK = 100
"""Lines in flight per round trip; keeps both pipes far below their buffer size (no deadlock)."""


class MeteorUnavailable(RuntimeError):
    """Java or the METEOR jar is missing; the message says how to fix it."""


@dataclass(frozen=True)
class MeteorSettings:
    """How the jar is run for one language."""

    jar_lang: str
    """`-l` value: `cz`, `hu`, `ru` or `other`."""
    modules: tuple[str, ...]
    weights: tuple[float, ...]
    """One weight per module (`-w`)."""
    params: tuple[float, float, float, float]
    """alpha, beta, gamma, delta (`-p`)."""
    function_words: str | None
    """Function-word list inside the jar (`function/<name>.words`); None = no function words."""

    def constants(self) -> tuple[float, ...]:
        weights = list(self.weights) + [0.0] * (len(MODULE_ORDER) - len(self.weights))
        return (*self.params, *weights)

    def signature_fields(self) -> dict[str, str]:
        return {"lang": self.jar_lang, "mod": "+".join(self.modules),
                "w": "_".join(f"{w:g}" for w in self.weights),
                "p": "_".join(f"{p:g}" for p in self.params),
                "fw": self.function_words or "none", "norm": "none", "jar": "meteor-1.5"}


def settings_for(lang: str) -> MeteorSettings:
    """The jar's settings for a language: its `Language.meteor` entry in `mella_bench.langs` (exact matching with the
    language-independent parameters unless the entry says otherwise)."""
    rules = LANGUAGES[lang].meteor
    return MeteorSettings(rules.jar_lang, rules.modules, rules.weights, rules.params, rules.function_words)


SETTINGS: dict[str, MeteorSettings] = {code: settings_for(code) for code in LANGUAGES}
"""Every language's settings (read from `mella_bench.langs`)."""


def jar_path() -> Path:
    """The METEOR 1.5 jar inside the installed pycocoevalcap package."""
    spec = importlib.util.find_spec("pycocoevalcap.meteor.meteor")
    if spec is None or spec.origin is None:  # pragma: no cover - core dependency
        raise MeteorUnavailable("pycocoevalcap is not installed: pip install pycocoevalcap")
    path = Path(spec.origin).parent / "meteor-1.5.jar"
    if not path.is_file():
        raise MeteorUnavailable(f"{path} not found; reinstall pycocoevalcap")
    return path


def java_path() -> str:
    java = shutil.which("java")
    if java is None:
        raise MeteorUnavailable("METEOR needs Java (17 tested): install a JRE (e.g. apt-get install "
                                "openjdk-17-jre-headless) or remove 'meteor' from the task's metrics")
    return java


def function_word_file(settings: MeteorSettings, folder: Path) -> Path:
    """Write the jar's own list (or an empty one) to `folder` and return its path."""
    path = folder / f"{settings.function_words or 'none'}.words"
    text = b""
    if settings.function_words:
        with zipfile.ZipFile(jar_path()) as jar:
            text = jar.read(f"function/{settings.function_words}.words")
    path.write_bytes(text)
    return path


def command(settings: MeteorSettings, function_words: Path) -> list[str]:
    # C2 only (-TieredCompilation), one GC thread: a pooled JVM scores every task of its setting (the
    # language-independent one serves five languages), and the aligner's beam search is hot enough that
    # C2's code repays its compilation. Measured interleaved on 16 synthetic tasks of 1,000 long
    # captions: JVM CPU 14.0 s vs 20.0 s (C1 only) vs 15.5 s (tiered) for the five-language JVM, and
    # 15.4 s vs 19.2 s (C1 only) for the cz/hu/ru JVMs. Java arithmetic is the same in every compiler
    # (strict IEEE since Java 17), so the statistics are identical (checked on all 16,000 items).
    return [java_path(), "-Xmx1G", "-XX:+UseSerialGC", "-XX:-TieredCompilation", "-jar", str(jar_path()), "-", "-", "-stdio",
            "-l", settings.jar_lang, "-m", " ".join(settings.modules),
            "-w", " ".join(f"{w:g}" for w in settings.weights),
            "-p", " ".join(f"{p:g}" for p in settings.params), "-s", str(function_words)]


class MeteorProcess:
    """One long-lived METEOR JVM speaking the `-stdio` protocol (SCORE → stats, EVAL → scores)."""

    def __init__(self, settings: MeteorSettings):
        self.settings = settings
        java_path()  # fail with the install hint before creating anything
        self._dir = tempfile.TemporaryDirectory(prefix="mella-meteor-")
        folder = Path(self._dir.name)
        self._stderr = (folder / "stderr.txt").open("w+b")
        self._proc = subprocess.Popen(command(settings, function_word_file(settings, folder)),
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self._lock = threading.Lock()

    def _roundtrip(self, lines: Sequence[str], replies_per_line: Sequence[int]) -> list[str]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        try:
            self._proc.stdin.write("".join(line + "\n" for line in lines).encode("utf-8"))
            self._proc.stdin.flush()
        except BrokenPipeError:
            self._died()
        out = []
        for _ in range(sum(replies_per_line)):
            reply = self._proc.stdout.readline()
            if not reply:
                self._died()
            out.append(reply.decode("utf-8").strip())
        return out

    def _died(self) -> None:
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pipes gone but still running: it is of no use any more
            self._proc.kill()
            self._proc.wait()
        self._stderr.seek(0)
        err = self._stderr.read().decode("utf-8", "replace").strip()[-2000:]
        raise RuntimeError(f"METEOR JVM exited unexpectedly (code {self._proc.returncode}): {err}")

    def stats(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> list[tuple[float, ...]]:
        """The jar's 23 sufficient statistics per item (best reference chosen by the jar)."""
        lines = [" ||| ".join(("SCORE", *(_clean(r) for r in rs), _clean(h))) for h, rs in zip(hyps, refs)]
        out: list[tuple[float, ...]] = []
        with self._lock:
            for start in range(0, len(lines), _CHUNK):
                chunk = lines[start:start + _CHUNK]
                for reply in self._roundtrip(chunk, [1] * len(chunk)):
                    row = tuple(float(x) for x in reply.split())
                    if len(row) != N_JAR_STATS:
                        raise RuntimeError(f"METEOR returned {len(row)} statistics, expected {N_JAR_STATS}: {reply!r}")
                    out.append(row)
        return out

    def eval(self, stats: Sequence[Sequence[float]]) -> tuple[list[float], float]:
        """The jar's own scores for stats rows: per row, and pooled (used to test `meteor_from_stats`)."""
        line = " ||| ".join(["EVAL", *(" ".join(repr(float(x)) for x in row[:N_JAR_STATS]) for row in stats)])
        with self._lock:
            replies = self._roundtrip([line], [len(stats) + 1])
        return [float(x) for x in replies[:-1]], float(replies[-1])

    def close(self) -> None:
        stop_jvm(self._proc)
        self._stderr.close()
        self._dir.cleanup()

    def __enter__(self) -> "MeteorProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stop_jvm(proc: "subprocess.Popen[bytes]", timeout: float = 10.0) -> None:
    """End a `-stdio` JVM: closing its stdin ends its loop; one that hangs is killed. Pipes are closed."""
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except OSError:  # it died with input unread (broken pipe)
            pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _clean(text: str) -> str:
    """The protocol's field separator must not occur inside a segment (tokenised text never has it)."""
    return " ".join(text.replace("|||", " ").split())


class MeteorPool:
    """One JVM per METEOR setting, started on first use and reused for the whole run.

    `prefetch` lets the JVMs work while Python scores the other metrics: a background thread sends
    each corpus in turn (the thread mostly waits on the JVM's pipe, outside the GIL), so on two cores
    `score` takes about the Python time instead of Python + JVM time. The statistics are the same
    (each JVM still sees its corpora one after the other, in the same order).
    """

    def __init__(self) -> None:
        self._procs: dict[MeteorSettings, MeteorProcess] = {}
        self._lock = threading.Lock()
        self._prefetched: dict[int, tuple[Corpus, Future[list[tuple[float, ...]]]]] = {}
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()

    def get(self, lang: str) -> MeteorProcess:
        settings = settings_for(lang)
        with self._lock:
            if settings not in self._procs:
                self._procs[settings] = MeteorProcess(settings)
            return self._procs[settings]

    def close(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.join()  # at most the corpus in flight
            self._worker = None
        with self._lock:
            procs, self._procs = list(self._procs.values()), {}
        for proc in procs:
            proc.close()

    def discard(self, lang: str) -> None:
        """Stop the language's JVM after a failure (it may be dead or out of memory); the next use starts a new one."""
        with self._lock:
            proc = self._procs.pop(settings_for(lang), None)
        if proc is not None:
            try:
                proc.close()
            except Exception:  # noqa: BLE001 - a dead JVM may fail to close; it is gone either way
                pass

    def prefetch(self, corpora: Sequence[Corpus]) -> None:
        """Start computing the jar statistics of `corpora`, in order, in one background thread."""
        jobs = [(c, Future[list[tuple[float, ...]]]()) for c in corpora if c.hyps]
        self._prefetched.update((id(c), (c, f)) for c, f in jobs)
        self._worker = threading.Thread(target=self._run, args=(jobs,), name="meteor-prefetch", daemon=True)
        self._worker.start()

    def _run(self, jobs: Sequence[tuple[Corpus, Future[list[tuple[float, ...]]]]]) -> None:
        for corpus, future in jobs:
            if self._stop.is_set():
                future.set_exception(RuntimeError("scoring stopped before METEOR reached this task"))
                continue
            try:
                future.set_result(self._compute(corpus))
            except BaseException as exc:  # noqa: BLE001 - handed to the scorer, which marks that task's rows
                future.set_exception(exc)

    def _compute(self, corpus: Corpus) -> list[tuple[float, ...]]:
        try:
            return self.get(corpus.lang).stats(corpus.hyp_tokens, corpus.ref_tokens)
        except MeteorUnavailable:
            raise
        except Exception:
            self.discard(corpus.lang)  # the next corpus of this setting gets a fresh JVM
            raise

    def corpus_stats(self, corpus: Corpus) -> list[tuple[float, ...]]:
        """The jar statistics of every item of `corpus` (prefetched, or computed now)."""
        entry = self._prefetched.pop(id(corpus), None)
        if entry is not None and entry[0] is corpus:
            return entry[1].result()
        return self._compute(corpus)

    def __enter__(self) -> "MeteorPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def meteor_from_stats(stats: Sequence[float]) -> float:
    """METEOR (0–100) of one row of summed jar statistics followed by the 8 constants.

    Follows `MeteorScorer.computeMetrics` of meteor-1.5.jar, including its special case (no
    fragmentation penalty for a complete match in one chunk) and its NaN → 0 rule.
    """
    s = stats
    alpha, beta, gamma, delta = s[N_JAR_STATS:N_JAR_STATS + 4]
    weights = s[N_JAR_STATS + 4:N_JAR_STATS + N_PARAMS]
    t_len, r_len, t_fw, r_fw = s[0:4]
    stages = [s[4 + 4 * i:8 + 4 * i] for i in range(len(MODULE_ORDER))]
    chunks, t_words, r_words = s[20], s[21], s[22]
    t_wlen = delta * (t_len - t_fw) + (1 - delta) * t_fw
    r_wlen = delta * (r_len - r_fw) + (1 - delta) * r_fw
    t_wm = sum(w * (delta * st[0] + (1 - delta) * st[2]) for w, st in zip(weights, stages))
    r_wm = sum(w * (delta * st[1] + (1 - delta) * st[3]) for w, st in zip(weights, stages))
    if t_wlen <= 0 or r_wlen <= 0 or t_wm <= 0 or r_wm <= 0:
        return 0.0  # the jar's NaN/zero cases all end at 0
    precision, recall = t_wm / t_wlen, r_wm / r_wlen
    fmean = 1.0 / ((1 - alpha) / precision + alpha / recall)
    t_total = sum(st[0] + st[2] for st in stages)
    r_total = sum(st[1] + st[3] for st in stages)
    if t_total == t_len and r_total == r_len and chunks == 1:
        frag = 0.0
    else:
        frag = chunks / ((t_words + r_words) / 2)
    score = fmean * (1 - gamma * math.pow(frag, beta))
    return 100.0 * max(score, 0.0) if not math.isnan(score) else 0.0


def pool_rows(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-item rows ready to be summed, and the constants (the same in every row).

    Pooling follows the jar's `MeteorStats.addStats`: a plain sum, except that a perfect segment
    (matched completely, in one chunk) adds no chunk, so a corpus of exact matches scores 100 as in
    the jar. The "perfect" test runs once per item here, not once per bootstrap resample: a perfect
    row's chunk is zeroed, and any column sum of the returned rows is the pooled statistic.
    """
    stats = np.asarray(stats, dtype=float)
    constants = stats[:, N_JAR_STATS:]
    if len(stats) and not (constants == constants[0]).all():
        raise ValueError("METEOR stats rows come from different settings (languages) and cannot be pooled")
    rows = stats[:, :N_JAR_STATS].copy()
    stages = rows[:, 4:20].reshape(len(rows), len(MODULE_ORDER), 4)
    perfect = ((stages[:, :, 0] + stages[:, :, 2]).sum(axis=1) == rows[:, 0]) & \
              ((stages[:, :, 1] + stages[:, :, 3]).sum(axis=1) == rows[:, 1]) & (rows[:, 20] == 1)
    rows[perfect, 20] = 0.0
    return rows, (constants[0] if len(stats) else np.zeros(N_PARAMS))


def meteor_from_sums(sums: np.ndarray) -> np.ndarray:
    """`meteor_from_stats` of every row of a (resamples × 31) matrix (pooled jar stats + constants)."""
    s = np.asarray(sums, dtype=float)
    alpha, beta, gamma, delta = (s[:, N_JAR_STATS + i] for i in range(4))
    weights = s[:, N_JAR_STATS + 4:N_JAR_STATS + N_PARAMS]
    t_len, r_len, t_fw, r_fw = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
    stages = s[:, 4:20].reshape(len(s), len(MODULE_ORDER), 4)
    chunks, t_words, r_words = s[:, 20], s[:, 21], s[:, 22]
    t_wlen = delta * (t_len - t_fw) + (1 - delta) * t_fw
    r_wlen = delta * (r_len - r_fw) + (1 - delta) * r_fw
    t_wm = np.zeros(len(s))
    r_wm = np.zeros(len(s))
    for i in range(len(MODULE_ORDER)):  # summed in module order, as the scalar form does
        t_wm = t_wm + weights[:, i] * (delta * stages[:, i, 0] + (1 - delta) * stages[:, i, 2])
        r_wm = r_wm + weights[:, i] * (delta * stages[:, i, 1] + (1 - delta) * stages[:, i, 3])
    valid = (t_wlen > 0) & (r_wlen > 0) & (t_wm > 0) & (r_wm > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision, recall = t_wm / t_wlen, r_wm / r_wlen
        fmean = 1.0 / ((1 - alpha) / precision + alpha / recall)
        t_total = (stages[:, :, 0] + stages[:, :, 2]).sum(axis=1)
        r_total = (stages[:, :, 1] + stages[:, :, 3]).sum(axis=1)
        perfect = (t_total == t_len) & (r_total == r_len) & (chunks == 1)
        frag = np.where(perfect, 0.0, chunks / ((t_words + r_words) / 2))
        score = fmean * (1 - gamma * np.power(frag, beta))
    score = np.where(np.isnan(score), 0.0, 100.0 * np.maximum(score, 0.0))
    return np.where(valid, score, 0.0)


def meteor(corpus: Corpus, session: ScoringSession) -> MetricResult:
    """METEOR 1.5 per item with the language's settings; stats = jar stats + constants. The JVMs are the
    session's (`session.get(MeteorPool)`: started once, reused for every task, closed with the session)."""
    pool = session.get(MeteorPool)
    settings = settings_for(corpus.lang)
    consts = settings.constants()
    jar_stats = pool.corpus_stats(corpus) if corpus.hyps else []
    stats = tuple(tuple(row) + consts for row in jar_stats)
    values = tuple(meteor_from_stats(row) for row in stats)
    fields = {"nrefs": nrefs_field(corpus.refs), "tok": corpus.tokenizer.name, **settings.signature_fields()}
    return MetricResult("meteor", values, stats, fields)
