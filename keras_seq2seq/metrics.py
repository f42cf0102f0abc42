"""The masked loss and metrics: padded target positions (id 0) never count."""

import keras
from keras import ops


def masked_loss():
    """Cross-entropy over real target tokens only, averaged over them (not over the padding).

    Example:
    >>> loss = masked_loss()
    >>> y_true = keras.ops.convert_to_tensor([[5, 3, 0]])  # the 0 is padding
    >>> round(float(loss(y_true, keras.ops.zeros((1, 3, 8)))), 4)  # log(8), over the 2 real tokens
    2.0794
    """
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, name="masked_loss")


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class MaskedAccuracy(keras.metrics.Mean):
    """Share of real (non-padding) target tokens whose argmax is right, under teacher forcing."""

    def __init__(self, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        real = ops.not_equal(y_true, 0)
        correct = ops.equal(ops.cast(y_true, "int32"), ops.cast(ops.argmax(y_pred, axis=-1), "int32"))
        super().update_state(ops.cast(correct, "float32"), sample_weight=ops.cast(real, "float32"))


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class ExactMatch(keras.metrics.Mean):
    """Share of sequences whose every real token is the argmax under teacher forcing.

    This equals the exact-match accuracy of greedy decoding: if every argmax is
    right when fed the right previous token, greedy decoding produces exactly the
    target (end token included), and the converse holds too.
    """

    def __init__(self, name="exact_match", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        real = ops.not_equal(y_true, 0)
        wrong = ops.logical_and(
            real, ops.not_equal(ops.cast(y_true, "int32"), ops.cast(ops.argmax(y_pred, axis=-1), "int32"))
        )
        super().update_state(ops.cast(ops.logical_not(ops.any(wrong, axis=-1)), "float32"))


def corpus_bleu(references, hypotheses, max_order=4):
    """Corpus BLEU (0..1) of `hypotheses` against one reference each, on whitespace tokens.

    Built on `keras_hub.metrics.Bleu` with a whitespace tokenizer and no smoothing: this is
    sacreBLEU's corpus BLEU with `tokenize="none"`, divided by 100, whenever every n-gram
    order has at least one match (sacreBLEU's default smoothing only changes zero counts).
    Clipped n-gram matches are pooled over the corpus and the brevity penalty uses the
    corpus lengths. `references[i]` is a string or a list of strings (several references).

    Example:
    >>> corpus_bleu(["a three left of a seven"], ["a three left of a seven"])
    1.0
    >>> round(corpus_bleu(["a three left of a seven"], ["a three left of a one"]), 4)  # (5/6*4/5*3/4*2/3) ** (1/4)
    0.7598
    >>> corpus_bleu(["four nines"], [""])
    0.0
    """
    import keras_hub
    import tensorflow as tf

    references = [[r] if isinstance(r, str) else list(r) for r in references]
    hypotheses = list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"corpus_bleu got {len(references)} references but {len(hypotheses)} hypotheses")
    if not any(h.split() for h in hypotheses) or not any(r.split() for refs in references for r in refs):
        return 0.0  # no n-gram at all; keras-hub would divide by a zero length
    metric = keras_hub.metrics.Bleu(tokenizer=tf.strings.split, max_order=max_order)
    metric.update_state(tf.ragged.constant(references), tf.constant(hypotheses))
    return round(float(metric.result()), 6)


def pronunciation_error_rates(references, hypotheses):
    """`(word_error_rate, phone_error_rate)` (0..1) of `hypotheses` against `references`, as g2p results are given.

    `hypotheses[i]` is a string of symbols (phones) separated by whitespace; `references[i]` is one
    such string or a list of them (a word's pronunciations, at least one, none empty).

    - Word error rate: the share of words whose hypothesis differs from every one of their references
      (symbol by symbol, whitespace aside).
    - Phone error rate, as Yao & Zweig (2015): for each word i, r_i is the reference closest to the
      hypothesis h_i in edit distance (insertions, deletions and substitutions of symbols, cost 1 each;
      on a tie the first of them in `references[i]`'s order); PER = sum_i d(h_i, r_i) / sum_i |r_i|,
      |r_i| its number of symbols. An empty hypothesis costs the whole length of its closest reference.

    Edit distances come from TensorFlow's `tf.edit_distance`, over all (hypothesis, reference) pairs at once.

    Example:
    >>> wer, per = pronunciation_error_rates(
    ...     [["HH AH L OW", "HH EH L OW"], "W ER L D", "R IY D"], ["HH EH L OW", "W ER L", ""])
    >>> round(wer, 4), round(per, 4)  # 2 of 3 words wrong; (0 + 1 + 3) / (4 + 4 + 3) phones
    (0.6667, 0.3636)
    """
    import numpy as np
    import tensorflow as tf

    references = [[r] if isinstance(r, str) else list(r) for r in references]
    hypotheses = list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"got {len(references)} references but {len(hypotheses)} hypotheses")
    if not references:
        raise ValueError("no words to score")
    if not all(references):
        raise ValueError("every word needs at least one reference")
    counts = [len(refs) for refs in references]
    repeated_hypotheses = [h for h, count in zip(hypotheses, counts) for _ in range(count)]
    reference_symbols = tf.strings.split(tf.constant([r for refs in references for r in refs], tf.string))
    lengths = reference_symbols.row_lengths().numpy()
    if not lengths.all():
        raise ValueError("a reference is empty")
    distances = tf.edit_distance(
        tf.strings.split(tf.constant(repeated_hypotheses, tf.string)).to_sparse(),
        reference_symbols.to_sparse(),
        normalize=False,
    ).numpy()
    starts = np.cumsum([0] + counts[:-1])
    # np.argmin takes the first closest reference on a tie.
    closest = np.array([start + np.argmin(distances[start : start + count]) for start, count in zip(starts, counts)])
    wrong = int(np.count_nonzero(distances[closest]))
    return wrong / len(references), float(distances[closest].sum() / lengths[closest].sum())
