"""corpus_bleu is sacreBLEU's corpus BLEU (whitespace tokens, scale 0..1)."""

import math

import pytest

from keras_seq2seq.metrics import corpus_bleu

REFERENCES = ["a three left of a seven", "two fives above a one", "four nines"]
HYPOTHESES = ["a three left of a one", "two fives above a one", "four"]


def _sacrebleu_by_hand():
    """sacreBLEU's formula written out for REFERENCES / HYPOTHESES (tokenize='none', one reference).

    Clipped n-gram matches / hypothesis n-grams, pooled over the corpus, orders 1 to 4:
      1-grams: (5 + 5 + 1) / (6 + 5 + 1)     2-grams: (4 + 4 + 0) / (5 + 4 + 0)
      3-grams: (3 + 3 + 0) / (4 + 3 + 0)     4-grams: (2 + 2 + 0) / (3 + 2 + 0)
    brevity penalty exp(1 - reference length / hypothesis length) = exp(1 - 13 / 12).
    """
    precisions = [11 / 12, 8 / 9, 6 / 7, 4 / 5]
    geometric_mean = math.exp(sum(math.log(p) for p in precisions) / 4)
    return geometric_mean * math.exp(1 - 13 / 12)


def test_corpus_bleu_equals_sacrebleu_definition_on_a_hand_example():
    assert corpus_bleu(REFERENCES, HYPOTHESES) == pytest.approx(_sacrebleu_by_hand(), abs=1e-5)


def test_corpus_bleu_equals_the_sacrebleu_package_when_installed():
    sacrebleu = pytest.importorskip("sacrebleu")
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES], tokenize="none").score / 100
    assert corpus_bleu(REFERENCES, HYPOTHESES) == pytest.approx(expected, abs=1e-5)


def test_corpus_bleu_pools_counts_over_the_corpus_not_a_mean_of_sentences():
    sentence_mean = (corpus_bleu(REFERENCES[:1], HYPOTHESES[:1]) + corpus_bleu(REFERENCES[1:2], HYPOTHESES[1:2])) / 2
    assert corpus_bleu(REFERENCES[:2], HYPOTHESES[:2]) != pytest.approx(sentence_mean, abs=1e-4)


def test_corpus_bleu_edges():
    assert corpus_bleu(REFERENCES, REFERENCES) == 1.0
    assert corpus_bleu(["four nines"], [""]) == 0.0
    assert corpus_bleu(["four nines"], ["seven"]) == 0.0
    assert corpus_bleu([["four nines", "a 9 and a 9 and a 9"]], ["a 9 and a 9 and a 9"]) == 1.0  # any reference
    assert corpus_bleu(["four nines"], ["four nines"]) == 0.0  # no 3- or 4-grams at all: BLEU-4 is 0
    assert corpus_bleu(["a b c d"], ["a b c d"], max_order=2) == 1.0
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        corpus_bleu(REFERENCES[:2], HYPOTHESES[:1])
