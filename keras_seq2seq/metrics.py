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
