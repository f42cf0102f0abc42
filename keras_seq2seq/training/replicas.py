"""The loss and the gradient clipping of the whole global batch, on one replica or many.

Under a `tf.distribute` strategy each replica sees a slice of the global batch.
Keras 3.15 averages the masked loss over each replica's own real tokens and
then over replicas, and clips each replica's gradient before summing them, so
two replicas would not train like one device on the same global batch (slices
hold different numbers of real tokens). These two pieces sum across replicas
first, so the arithmetic is that of one device; on one device they are the
usual masked loss and global-norm clipping.
"""

import keras
import tensorflow as tf
from keras import ops


def sum_over_replicas(value):
    """`value` summed over the replicas in sync (itself outside a multi-replica step)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class GlobalMaskedLoss(keras.losses.Loss):
    """Cross-entropy summed over real target tokens, divided by the real tokens of the whole global batch.

    On one device it equals `keras_seq2seq.metrics.masked_loss()`; under a
    strategy, the replicas' gradients (which Keras sums) add up to the gradient
    of that same global mean.

    Example:
    >>> y_true = keras.ops.convert_to_tensor([[5, 3, 0]])  # the 0 is padding
    >>> round(float(GlobalMaskedLoss()(y_true, keras.ops.zeros((1, 3, 8)))), 4)  # log(8)
    2.0794
    """

    def __init__(self, name="masked_loss", **kwargs):
        kwargs.pop("reduction", None)
        super().__init__(name=name, reduction="sum", **kwargs)  # "sum" of a scalar: no further scaling

    def call(self, y_true, y_pred):
        per_token = keras.losses.sparse_categorical_crossentropy(y_true, ops.cast(y_pred, "float32"), from_logits=True)
        real = ops.cast(ops.not_equal(y_true, 0), "float32")
        tokens = sum_over_replicas(ops.sum(real))
        return ops.divide_no_nan(ops.sum(per_token * real), ops.stop_gradient(tokens))


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class GlobalClipAdam(keras.optimizers.Adam):
    """Adam whose `global_clipnorm` is the norm of the global batch's gradient, summed over replicas.

    Example:
    >>> optimizer = GlobalClipAdam(0.01, global_clipnorm=1.0)
    >>> [float(g[0]) for g in optimizer._clip_gradients([keras.ops.convert_to_tensor([3.0, 4.0])])]
    [0.6000000238418579]
    """

    def _clip_gradients(self, grads):
        context = tf.distribute.get_replica_context()
        if not self.global_clipnorm or context is None or context.num_replicas_in_sync == 1:
            return super()._clip_gradients(grads)
        squares = [ops.sum(ops.square(g)) for g in grads if g is not None]
        norm = ops.sqrt(sum_over_replicas(ops.sum(ops.stack(squares))))
        scale = ops.minimum(1.0, self.global_clipnorm / ops.maximum(norm, 1e-12))
        return [None if g is None else g * ops.cast(scale, g.dtype) for g in grads]
