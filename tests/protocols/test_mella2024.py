"""The mella-2024 protocol's parts against independent references: the authors' own normaliser
(read from the shared data, not copied), pycocoevalcap's BLEU / ROUGE-L / PTB tokenizer, and the
items the original pipeline leaves out."""

from __future__ import annotations

import importlib.util

import pytest

from mella_bench.protocols import mella2024 as m
from tests.support.shared_data import author_data

# Realistic answers written for this test (model-style English, plus the languages of the benchmark).
ANSWERS = [
    "The image shows a man sitting on a bench. He's holding a cup of coffee, and there are two dogs.",
    "In the picture, there are three people (a woman, a child and an old man) walking near the river.",
    "It's a photo of the Charles Bridge in Prague; the statues are dark, the sky is blue!",
    "Képen egy piros paprikafüzér lóg a ház falán, mellette egy régi fapad áll.",
    "На фотографии изображена матрёшка: её платок — красный, а фон — белый.",
    "Ово је слика тврђаве у Београду. Види се река, мост и много дрвећа...",
    "ภาพนี้แสดงตลาดน้ำ มีเรือหลายลำ และแม่ค้าขายผลไม้",
    "Bức ảnh cho thấy một bát phở bò, có hành lá, rau thơm và chanh. Giá 3.5 đô la.",
    "이 사진은 경복궁의 근정전을 보여줍니다. 사람들이 한복을 입고 있습니다.",
    "الصورة تظهر طبق كسكس مغربي، مع الخضار واللحم في طاجين فخاري.",
    "Dont worry - its a cat! Isnt it cute? /yes/ \"maybe\" [ok] {fine} a=b+c @home `x` <tag>",
    "Ten boats, one lighthouse and none of the people wasnt there; thats all.\tNew line\nhere.",
    # more than 32 periods: the original removes only the first 32 ('re.UNICODE' passed as count)
    " ".join(f"Sentence {i}." for i in range(40)) + " Version 2.0 is 1.5x faster.",
    "A.B.C. the end... 3.14 is pi. The U.S.A. and e.g. i.e. etc.",
]


def _authors_normaliser():
    data = author_data()
    if data is None:
        pytest.skip("shared/data/mella-author-2024 not found beside the repository (CI has it in ../shared)")
    spec = importlib.util.spec_from_file_location("authors_slvqa_evaluator", data / "evaluator" / "slvqa_evaluator.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.EvalAIAnswerProcessor()


def test_normaliser_matches_the_authors_processor_on_realistic_answers(capsys):
    theirs = _authors_normaliser()
    for text in ANSWERS:
        expected = theirs(text)  # includes their 1,300-character cut; none of these is that long
        assert m.normalize_answer(text) == expected, text
    capsys.readouterr()  # their processor prints a line per call


def test_normaliser_keeps_the_32_period_limit():
    text = " ".join(f"s{i}." for i in range(40))
    out = m.normalize_answer(text)
    assert out.count(".") == 8 and out.startswith("s0 s1 ")
    assert m.normalize_answer("Pi is 3.14. The end.") == "pi is 3.14 end"


def test_cut_applies_to_normalised_prediction_and_raw_reference():
    pair = m.Pair("x", "The " + "ab " * 600, ("Ref. " * 400,))
    cand, refs = m.prepare(pair, m.Settings(truncate=True))
    assert len(cand) == m.CUT and len(refs[0]) == m.CUT and refs[0].startswith("Ref. Ref.")
    cand2, refs2 = m.prepare(pair, m.Settings(truncate=False))
    assert len(cand2) == len(m.normalize_answer(pair.prediction)) > m.CUT and refs2 == pair.references


def test_bleu_two_copy_equals_coco_corpus_bleu_over_two_copies():
    from pycocoevalcap.bleu.bleu import Bleu

    cases = [("a man sits on a bench with a cup", ["a man is sitting on a bench holding a cup of coffee"]),
             ("ผัดไทยกุ้งสด", ["ผัดไทยกุ้งสดในตลาดน้ำ"]),  # one token each: the tiny smoothed values
             ("matrjoška a samovar", ["matrjoška a samovar na trhu v suzdalu", "samovar"]),
             ("x", ["y z w"])]
    for cand, refs in cases:
        expected, _ = Bleu(4).compute_score({0: refs, 1: refs}, {0: [cand], 1: [cand]}, verbose=0)
        got = m.bleu_two_copy(cand, refs)
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-300), (cand, got, expected)
    assert 0 < m.bleu_two_copy("ผัดไทยกุ้งสด", ["ผัดไทยกุ้งสดในตลาดน้ำ"])[3] < 1e-6


def test_rouge_l_equals_coco_rouge_and_keeps_the_original_edge_cases():
    from pycocoevalcap.rouge.rouge import Rouge

    r = Rouge()
    for cand, ref in [("a man sits on a bench", "a man is sitting on a wooden bench"),
                      ("pražský orloj na radnici", "pražský orloj na staroměstské radnici v praze"),
                      ("x y z", "a b c")]:
        assert m.rouge_l(cand, [ref]) == pytest.approx(r.calc_score([cand], [ref]), rel=1e-15)
    assert m.rouge_l("", ["a b"]) == 0.0
    with pytest.raises(ZeroDivisionError):
        m.rouge_l("a b", [""])


@pytest.mark.slow
def test_ptb_batch_equals_pycocoevalcap_tokenizer():
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    sents = ["A man (sitting) on a bench, holding a cup -- in the park!", "Nápis „Kavárna“ nad dveřmi – modrý; vedle: 2",
             "", "Mr. Smith works etc.", "هل هذا قط؟ نعم؛ إنه قط أسود!", "«Кафе» — синяя…"]
    ours = [" ".join(t) for t in m.ptb_tokenize(sents)]
    theirs = PTBTokenizer().tokenize({i: [{"caption": s}] for i, s in enumerate(sents)})
    # pycocoevalcap also drops the lower-cased -lrb-/-rrb- forms; the original (aac-metrics) keeps them
    assert ours[0] == "a man -lrb- sitting -rrb- on a bench holding a cup in the park"
    for i in range(1, len(sents)):
        assert ours[i] == theirs[i][0], sents[i]


@pytest.mark.slow
def test_items_the_original_pipeline_drops_are_left_out_with_a_reason():
    pairs = [m.Pair("ok", "A man sits on a bench.", ("A man is sitting on a bench.",)),
             m.Pair("newline", "A cat.", ("A cat\non a mat.",)),
             m.Pair("cr", "A cat.", ("A cat\ron a mat.",)),
             m.Pair("punct", "A cat.", ("... ; : ! ?",)),
             m.Pair("empty-pred", "...", ("A dog.",))]
    out = {s.item_id: s for s in m.score_pairs(pairs)}
    assert out["ok"].status == "ok" and 0 < out["ok"].values["meteor"] < 1
    assert out["newline"].status == "left_out" and "newline" in out["newline"].reason
    assert out["cr"].status == "left_out" and "U+000D" in out["cr"].reason
    assert out["punct"].status == "left_out" and "no token" in out["punct"].reason
    assert out["empty-pred"].status == "ok" and out["empty-pred"].values["rouge_l"] == 0.0
    means = m.mean_scores(out.values())
    assert means["rouge_l"] == pytest.approx((out["ok"].values["rouge_l"] + 0.0) / 2)


CS_ITEMS = [("Karlův most v Praze při západu slunce.", "Obrázek ukazuje Karlův most v Praze při západu slunce."),
            ("Talíř se svíčkovou a knedlíky.", "Na talíři je svíčková se šesti knedlíky.\nVedle je pivo."),
            ("Staroměstský orloj.", "Pražský orloj na Staroměstské radnici."),
            ("Vltava a Pražský hrad v noci.", "Pražský hrad nad Vltavou v noci.")]
"""(answer, reference) of a small Czech run; the second reference has a newline (left out)."""


def _imported_cs_run(tmp_path, n: int) -> tuple:
    """(run directory, records) of the first `n` CS_ITEMS imported as the authors' files are."""
    import json

    from mella_bench.interop.slvqa import read_slvqa, write_imported_run

    records = [{"question_id": f"/x/{i}.jpg", "question": "Popište obrázek.", "answer": a, "annotation": r}
               for i, (a, r) in enumerate(CS_ITEMS[:n])]
    src = tmp_path / "slvqa_caption_cs_1.json"
    src.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    run = tmp_path / "run"
    write_imported_run(run, "x", [read_slvqa(src, "cs")])
    return run, records


@pytest.mark.slow
def test_score_protocol_writes_a_summary_with_the_run_schema(tmp_path, capsys):
    import json

    from mella_bench.cli import main

    run, records = _imported_cs_run(tmp_path, 3)
    assert main(["score", str(run), "--protocol", "mella-2024", "--no-truncate"]) == 0
    err = capsys.readouterr().err
    assert "left out: slvqa_caption_cs slvqa_caption_cs-1.jpg: reference contains a newline" in err
    assert "mella-2024 run: 1/1 task (100%), done in" in err  # progress (minutes on real runs)
    summary = json.loads((run / "summary.mella-2024.json").read_text(encoding="utf-8"))
    task = summary["tasks"]["slvqa_caption_cs"]
    assert summary["protocol"] == "mella-2024" and set(task["metrics"]) == set(m.METRICS)
    meteor = task["metrics"]["meteor"]
    assert meteor["n"] == 2 and meteor["n_failed"] == 1 and 0 < meteor["value"] <= 100
    assert meteor["ci"][0] <= meteor["value"] <= meteor["ci"][1]
    assert meteor["details"]["left_out"][0]["item_id"] == "slvqa_caption_cs-1.jpg"
    assert "cut:none" in meteor["signature"] and "meteor:meteor-1.5(-l:en,-norm)" in meteor["signature"]
    rows = [json.loads(x) for x in (run / "scores.mella-2024.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3 * len(m.METRICS) and sum(r["status"] == "failed" for r in rows) == len(m.METRICS)
    # the same items scored directly give the same means (×100)
    direct = m.mean_scores(m.score_pairs([m.Pair(str(i), r["answer"], (r["annotation"],)) for i, r in
                                          enumerate(records)], m.Settings(truncate=False)))
    assert meteor["value"] == pytest.approx(100 * direct["meteor"], rel=1e-12)


@pytest.mark.slow
def test_item_cache_gives_the_rows_of_a_fresh_computation_and_scores_only_changed_items(tmp_path):
    """`tables` keeps the protocol's per-item results by key (prediction, references, settings, code):
    rows from the cache equal rows computed afresh, and an edited answer is the only item scored again."""
    import json

    run, _ = _imported_cs_run(tmp_path, 4)
    st = {"slvqa_caption_cs": m.Settings(truncate=False)}
    cache = m.ItemCache()
    rows = m.protocol_rows(run, per_task=st, cache=cache)
    assert cache.computed == 4 and len(cache.used) == 4  # the left-out item is cached too
    m.save_item_cache(run, cache)
    again = m.load_item_cache(run)
    assert m.protocol_rows(run, per_task=st, cache=again) == rows and again.computed == 0

    preds = (run / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(preds[0])
    first["text"] = "Most přes řeku."
    (run / "predictions.jsonl").write_text("\n".join([json.dumps(first, ensure_ascii=False)] + preds[1:]) + "\n",
                                           encoding="utf-8")
    again = m.load_item_cache(run)
    edited = m.protocol_rows(run, per_task=st, cache=again)
    # one item scored alone gives what it gives among the others (each item is its own two-copy corpus)
    assert again.computed == 1 and edited == m.protocol_rows(run, per_task=st) and edited != rows
    # the key covers the settings and the protocol's code, not only the texts
    pair = m.Pair("a", "Orloj.", ("Pražský orloj.",))
    assert m.item_key(pair, m.Settings()) != m.item_key(pair, m.Settings(truncate=False))
    assert m.load_item_cache(tmp_path / "elsewhere").known == {}
