"""sacreBLEU, chrF, distinct-n and perplexity on hand-made cases."""

import math

import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq.corpus_metrics import distinct_n, pair_log_likelihoods, perplexity, sacrebleu_scores


def test_sacrebleu_is_the_textbook_corpus_bleu_on_13a_tokens_lowercase():
    # 13a tokens "the cat sat on the mat ." against "the cat sat on a mat .": 1-grams 6/7 (the second "the"
    # is clipped), 2-grams 4/6, 3-grams 2/5, 4-grams 1/4; equal lengths, so no brevity penalty.
    scores = sacrebleu_scores(["The cat sat on the mat."], ["the cat sat on a mat."])
    textbook = 100 * (6 / 7 * 4 / 6 * 2 / 5 * 1 / 4) ** 0.25
    assert scores["bleu"] == pytest.approx(textbook, abs=1e-9)
    assert scores["bleu_signature"] == f"nrefs:1|case:lc|eff:no|tok:13a|smooth:exp|version:{_version()}"
    assert scores["chrf_signature"].startswith("nrefs:1|case:lc|eff:yes|nc:6|nw:0|space:no")


def test_a_hypothesis_may_have_several_references_and_matches_any_of_them():
    scores = sacrebleu_scores(["i am fine, thanks!", "hello there"],
                              [["Not at all.", "I am fine, thanks!"], ["Hello there"]])
    assert scores["bleu"] == pytest.approx(100.0) and scores["chrf"] == pytest.approx(100.0)
    assert scores["bleu_signature"].startswith("nrefs:var|")
    assert sacrebleu_scores(["xyz"], ["abc"])["chrf"] == 0.0
    with pytest.raises(ValueError, match="2 hypotheses and 1 references"):
        sacrebleu_scores(["a", "b"], ["a"])


def test_distinct_n_counts_distinct_grams_over_all_answers():
    dull = ["I don't know.", "i don't know.", "I don't know."]
    assert distinct_n(dull, 1) == pytest.approx(5 / 15)  # i do n't know .
    assert distinct_n(dull, 2) == pytest.approx(4 / 12)
    assert distinct_n(["red fish", "blue fish"], 1) == pytest.approx(3 / 4)
    assert distinct_n(["red fish", "blue fish"], 2) == 1.0
    assert distinct_n([], 1) == 0.0 and distinct_n(["one"], 2) == 0.0


def test_perplexity_is_per_real_token_whatever_the_batches(make_model, randomize):
    model = make_model(ks.Seq2Seq)
    randomize(model)
    sources, targets = ["abcd", "a", "ba", "cc", "dcba"], ["d", "abcd", "ab", "c", "abc"]
    x, y = ks.data.encode_pairs(model.tokenizer, sources, targets, 4, 4)
    logits = np.asarray(model(x, training=False), np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, y[..., None], -1)[..., 0]
    expected = math.exp(-picked[y != 0].mean())  # y != 0: real tokens, end tokens included
    for batch_size in (1, 2, 5):
        assert perplexity(model, sources, targets, batch_size=batch_size) == pytest.approx(expected, rel=1e-5)
    log_likelihoods, tokens = pair_log_likelihoods(model, sources, targets, batch_size=2)  # in the pairs' order
    np.testing.assert_allclose(log_likelihoods, np.where(y != 0, picked, 0).sum(1), rtol=1e-5)
    np.testing.assert_array_equal(tokens, [2, 5, 3, 2, 4])


def _version():
    import sacrebleu

    return sacrebleu.__version__
