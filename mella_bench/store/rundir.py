"""The run directory and its one owner: every command that writes one goes through `RunDir`.

    RUN_DIR/run.json           header (`mella_bench.store.header`): one definition, versioned
    RUN_DIR/predictions.jsonl  answers, appended and fsync'd batch by batch (resumable)
    RUN_DIR/judgments.jsonl    the judge's cache, appended
    RUN_DIR/scores.jsonl       per item and metric, replaced whole by every scoring
    RUN_DIR/summary.json       per task and metric, replaced whole by every scoring
    RUN_DIR/scores.md          the same for people
    RUN_DIR/scores.<protocol>.jsonl, summary.<protocol>.json   another scoring protocol's files

Every write takes the directory's lock (re-entrant; `session` holds it across several steps) and
goes through the one atomic helper (`mella_bench.store.atomic`) or the appending JSONL writer. A
directory belongs to one model and one dataset: a run with another model fingerprint, or with other
item contents for a task already in it, is refused with what to do (another `--output`, or
`--overwrite`). Tasks a later command does not name keep their predictions and their place in
run.json, so a run on a subset of tasks does not shrink the run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from mella_bench.store.atomic import atomic_write, write_json, write_jsonl
from mella_bench.store.header import FORMAT_VERSION, JUDGE_HEADER_KEY, RunHeader, RunStatus, check_format_version
from mella_bench.store.jsonl import JsonlWriter, StoreError, read_json
from mella_bench.store.lock import run_lock
from mella_bench.store.records import Prediction, current_of, read_predictions

RUN_JSON, PREDICTIONS, SCORES, JUDGMENTS, SUMMARY, SCORES_MD = (
    "run.json", "predictions.jsonl", "scores.jsonl", "judgments.jsonl", "summary.json", "scores.md")
RUN_FILES = (RUN_JSON, PREDICTIONS, SCORES, SUMMARY, JUDGMENTS)
"""What `--overwrite` removes (nothing else in the directory is touched)."""


class RunDirConflict(RuntimeError):
    """The run directory belongs to another model or dataset."""


@dataclass(frozen=True)
class RunDir:
    """One run directory: reading is free, every write holds the directory's lock."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    # ------------------------------------------------------------ reading

    def exists(self) -> bool:
        return (self.path / RUN_JSON).is_file()

    def header(self) -> RunHeader:
        """run.json, checked (format version first); a clear error when it is missing, empty or malformed."""
        path = self.path / RUN_JSON
        if not path.is_file():
            raise FileNotFoundError(f"{self.path} is not a run directory (no {RUN_JSON}); create one with "
                                    "`mella-bench run`")
        return RunHeader.from_json(read_json(path, RUN_JSON), str(path))

    def predictions(self) -> dict[str, Prediction]:
        """Latest prediction per key (a retried failure is superseded by its later success)."""
        return read_predictions(self.path / PREDICTIONS)

    def current_predictions(self, header: RunHeader | Mapping[str, Any]) -> dict[str, dict[str, Prediction]]:
        """task → item id → the prediction that belongs to the run as `header` records it."""
        if isinstance(header, RunHeader):
            return current_of(self.predictions(), header.model_hash, {n: t.hash for n, t in header.tasks.items()})
        return current_of(self.predictions(), header["model"]["hash"],
                          {n: t["hash"] for n, t in header["tasks"].items()})

    def data_source(self, entry: Mapping[str, Any] | Any) -> str:
        """The dataset a task was generated on: as recorded, or inside the run directory when
        `data_relative_to_run` is set (imported runs carry their references with them)."""
        data, relative = ((entry["data"], entry.get("data_relative_to_run")) if isinstance(entry, Mapping)
                          else (entry.data, entry.data_relative_to_run))
        return str(self.path / str(data)) if relative else str(data)

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def session(self) -> Iterator["RunDir"]:
        """Hold the directory's lock across several steps (generate, judge, score); a second writing
        process is refused at once (`RunDirBusy`)."""
        with run_lock(self.path):
            yield self

    def write_header(self, header: RunHeader) -> None:
        with self.session():
            write_json(self.path / RUN_JSON, header.to_json())

    def clear(self) -> list[str]:
        """Remove the run files (for `--overwrite`); returns the names removed."""
        removed = []
        with self.session():
            for name in RUN_FILES:
                path = self.path / name
                if path.exists():
                    path.unlink()
                    removed.append(name)
        return removed

    def remove(self, *names: str) -> None:
        """Remove derived files (scores and summaries that described an earlier state)."""
        with self.session():
            for name in names:
                (self.path / name).unlink(missing_ok=True)

    def start_run(self, new: RunHeader) -> RunHeader:
        """Write the header of a command joining the directory (after the ownership check); returns it."""
        with self.session():
            merged = merge_header(self.check_owner(new), new)
            self.write_header(merged)
            return merged

    def end_run(self, status: RunStatus, counts: Mapping[str, int], why: str | None = None,
                batch_fallbacks: Mapping[str, Any] | None = None) -> None:
        """Record how a run ended (status, counts, batches that fell back to one by one and, after an
        error, why) in run.json."""
        with self.session():
            header = self.header()
            fallbacks = header.batch_fallbacks if batch_fallbacks is None else dict(batch_fallbacks)
            self.write_header(replace(header, status=status, counts=dict(counts), stopped_because=why,
                                      batch_fallbacks=fallbacks))

    @contextlib.contextmanager
    def prediction_writer(self) -> Iterator[JsonlWriter]:
        """Append to predictions.jsonl (a torn tail from a kill is cut first), holding the lock."""
        with self.session(), JsonlWriter(self.path / PREDICTIONS) as writer:
            yield writer

    @contextlib.contextmanager
    def judgment_session(self) -> Iterator[Path]:
        """Hold the lock while the judge appends to judgments.jsonl; yields the file's path."""
        with self.session():
            yield self.path / JUDGMENTS

    def replace_predictions(self, preds: Iterable[Prediction]) -> None:
        """predictions.jsonl written whole (a merge, an import that replaces tasks)."""
        with self.session():
            write_jsonl(self.path / PREDICTIONS, (p.to_json() for p in preds))

    def write_scores(self, rows: Iterable[Mapping[str, Any]], name: str = SCORES) -> None:
        """Per-item score rows, replaced whole: scoring is recomputed from predictions, never appended twice."""
        with self.session():
            write_jsonl(self.path / name, rows)

    def write_summary(self, summary: Mapping[str, Any], name: str = SUMMARY) -> None:
        self.write_document(name, summary)

    def write_document(self, name: str, doc: Mapping[str, Any]) -> None:
        """Another JSON file of the run written whole, e.g. `judge agreement`'s agreement.json."""
        with self.session():
            write_json(self.path / name, dict(doc))

    def write_jsonl(self, name: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Another JSONL file of the run written whole, e.g. an import's `data/manifest.jsonl`."""
        with self.session():
            (self.path / name).parent.mkdir(parents=True, exist_ok=True)
            write_jsonl(self.path / name, records)

    def write_text(self, name: str, text: str) -> None:
        """A derived text file of the run (scores.md)."""
        with self.session():
            atomic_write(self.path / name, text)

    def record_judge(self, settings: Mapping[str, Any]) -> None:
        """Record the judge settings last used on the run (they pick the current judgments)."""
        with self.session():
            self.write_header(replace(self.header(), judge=dict(settings)))

    # ------------------------------------------------------------ ownership

    def check_owner(self, new: RunHeader) -> RunHeader | None:
        """The existing header when `new` may join this directory; None when there is none. Raises
        RunDirConflict on another model or dataset."""
        if not self.exists():
            if (self.path / PREDICTIONS).is_file():
                raise RunDirConflict(f"{self.path} holds {PREDICTIONS} but no {RUN_JSON}, so whose answers they "
                                     "are is unknown; choose another --output, or pass --overwrite to start it afresh")
            return None
        old = self.header()
        what = _what_to_do()
        if old.model_hash != new.model_hash:
            raise RunDirConflict(f"{self.path} holds a run of another model ({_model_label(old.model_fingerprint)}, "
                                 f"fingerprint {old.model_hash}); this command runs "
                                 f"{_model_label(new.model_fingerprint)} (fingerprint {new.model_hash}). {what}")
        for name, info in new.tasks.items():
            before = old.tasks.get(name)
            if before is None or not info.data_hash or not before.data_hash:
                continue  # a run.json written before data hashes existed: its keys cannot match new items anyway
            if before.data_hash != info.data_hash:
                raise RunDirConflict(f"{self.path}: task {name} was run on other data ({before.data}, content "
                                     f"{before.data_hash}) than this command's ({info.data}, content "
                                     f"{info.data_hash}). {what}")
        return old


def merge_header(old: RunHeader | None, new: RunHeader) -> RunHeader:
    """run.json for a command joining a directory (a resumed run, an import into an imported run): the
    first creation time, the judge settings, any re-identifications, fields this version does not
    know and the tasks this command does not name are kept."""
    if old is None:
        return new
    return replace(new, created=old.created or new.created, tasks={**old.tasks, **new.tasks},
                   judge=old.judge, reidentified=old.reidentified, extra={**old.extra, **new.extra})


def load_header(run_dir: Path) -> dict[str, Any]:
    """run.json of `run_dir` as a checked mapping (for readers that index it by key)."""
    return RunDir(Path(run_dir)).header().to_json()


def load_predictions(run_dir: Path) -> dict[str, Prediction]:
    """Latest prediction per key of a run directory."""
    return RunDir(Path(run_dir)).predictions()


def current_predictions(run_dir: Path, header: RunHeader | Mapping[str, Any]) -> dict[str, dict[str, Prediction]]:
    return RunDir(Path(run_dir)).current_predictions(header)


def task_data_source(run_dir: Path, info: Mapping[str, Any] | Any) -> str:
    return RunDir(Path(run_dir)).data_source(info)


def read_versioned(path: Path, what: str) -> dict[str, Any]:
    """A run-directory JSON file that may be sparse (a summary, a test's minimal run.json), with its
    format version checked: for readers that need only a few fields (reports)."""
    raw = read_json(path, what)
    check_format_version(raw, str(path))
    return raw


def _model_label(fingerprint: Mapping[str, Any]) -> str:
    return f"{fingerprint.get('backend', '?')} {fingerprint.get('model') or fingerprint.get('fields') or ''}".strip()


def _what_to_do() -> str:
    return ("Nothing was changed. Choose another --output, or pass --overwrite to delete this directory's "
            f"run files ({', '.join(RUN_FILES)}) and start afresh.")


__all__ = ["FORMAT_VERSION", "JUDGE_HEADER_KEY", "JUDGMENTS", "PREDICTIONS", "RUN_FILES", "RUN_JSON", "SCORES",
           "SCORES_MD", "SUMMARY", "RunDir", "RunDirConflict", "StoreError", "current_predictions", "load_header", "load_predictions",
           "merge_header", "read_versioned", "task_data_source"]
