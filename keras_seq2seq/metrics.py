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
