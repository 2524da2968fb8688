"""Progress on stderr: plain periodic lines when stderr is not a terminal."""

from __future__ import annotations

import io

from mella_bench.progress import PlainProgress, progress_bar, track


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_plain_lines_at_most_once_per_interval_and_at_the_end() -> None:
    buf, clock = io.StringIO(), Clock()
    bar = PlainProgress(100, "mella_th_know", "item", initial=10, interval=30, file=buf, clock=clock)
    for _ in range(45):
        clock.t += 1.0
        bar.update(2)
    bar.close()
    bar.close()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in buf.getvalue()
    assert "mella_th_know: 70/100 item (70%), 2 item/s, ~15s left" in lines[0]
    assert lines[1].endswith("mella_th_know: 100/100 item (100%), done in 45s")


def test_progress_bar_is_plain_off_a_terminal_and_silent_when_disabled() -> None:
    buf = io.StringIO()
    assert isinstance(progress_bar(3, "scoring", "task", file=buf), PlainProgress)
    silent = progress_bar(3, "scoring", "task", enabled=False, file=buf)
    silent.update(3)
    silent.close()
    assert buf.getvalue() == ""


def test_track_passes_items_through(monkeypatch) -> None:
    import sys

    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    assert list(track(iter("abc"), 3, "scoring", "task")) == ["a", "b", "c"]
    assert buf.getvalue().strip().endswith("scoring: 3/3 task (100%), done in 0s")


def test_one_line_at_100_percent_even_when_the_interval_has_passed() -> None:
    buf, clock = io.StringIO(), Clock()
    bar = PlainProgress(4, "scoring", "task", interval=0, file=buf, clock=clock)  # MELLA_PROGRESS_INTERVAL=0
    for _ in range(4):
        clock.t += 1.0
        bar.update(1)
    bar.close()
    lines = buf.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "scoring: 1/4 task (25%), 1 task/s, ~3s left", "scoring: 2/4 task (50%), 1 task/s, ~2s left",
        "scoring: 3/4 task (75%), 1 task/s, ~1s left", "scoring: 4/4 task (100%), done in 4s"]
