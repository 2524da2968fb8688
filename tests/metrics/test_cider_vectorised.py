"""The numpy CIDEr-D (`cider_d_items`) equals the toolkit's loop (`cider_d_reference`) on real text."""

from __future__ import annotations

import random

import pytest

from mella_bench.langs import LANG_CODES
from mella_bench.metrics.base import Corpus
from mella_bench.metrics.cider import cider_d_items, cider_d_reference
from tests.metrics.test_ngramstats import texts


@pytest.mark.parametrize("lang", LANG_CODES)
def test_vectorised_cider_equals_the_loop(lang):
    rng = random.Random(lang)
    pool = texts(lang)
    hyps = [rng.choice(pool) if i % 4 else "" for i in range(12)]
    refs = [tuple(rng.sample(pool, k=rng.randint(1, 3))) for _ in hyps]
    extra = [tuple(rng.sample(pool, k=2)) for _ in range(5)]
    c = Corpus(lang, tuple(hyps), tuple(refs), df_refs=tuple(refs) + tuple(extra))
    h = [x.split() for x in c.hyp_tokens]
    r = [[x.split() for x in rs] for rs in c.ref_tokens]
    d = [[x.split() for x in rs] for rs in c.df_ref_tokens]
    for df in (None, d):
        ours, loop = cider_d_items(h, r, df), cider_d_reference(h, r, df)
        assert ours == pytest.approx(loop, rel=1e-12, abs=1e-12)
        assert any(v > 0 for v in loop)
        assert all(v == 0.0 for v, hyp in zip(ours, hyps) if not hyp)
    assert cider_d_items([], [], None) == []
