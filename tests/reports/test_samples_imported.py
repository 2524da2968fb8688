"""The sample join on an imported run: its reference-only items live inside the run directory."""

from __future__ import annotations

from pathlib import Path

from mella_bench.reports.samples import iter_samples

RUN = Path(__file__).resolve().parents[2] / "results" / "mella-author-2024" / "internvl2-8b-baseline"


def test_imported_run_samples_carry_their_references_and_no_image() -> None:
    samples = [s for s in iter_samples(RUN, with_images=False) if s.task == "slvqa_caption_hu"]
    assert len(samples) == 100
    first = samples[0]
    assert first.item is not None, "the run's own data/ folder was not found"
    assert first.item.references and first.item.image is None
    # the Hungarian baseline's references are Czech: the viewer must show them as they are
    assert "obrázek" in first.item.references[0] or "Tento" in first.item.references[0]
