"""Reverses the real steps of each sequence and leaves the padding on the right."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class LengthAwareReverse(keras.layers.Layer):
    """`[3, 7, 5, 0, 0] -> [5, 7, 3, 0, 0]`: reversal by true length, not `x[:, ::-1]`.

    `x[:, ::-1]` would move the padding to the left, which changes what a masked
    RNN sees first and breaks cuDNN's rule that masks be right-padded.
    The mask is taken from `mask`, or else from `inputs != 0` for integer ids.

    Example:
    >>> ids = keras.ops.convert_to_tensor([[3, 7, 5, 0, 0], [4, 2, 0, 0, 0]])
    >>> keras.ops.convert_to_numpy(LengthAwareReverse()(ids)).tolist()
    [[5, 7, 3, 0, 0], [2, 4, 0, 0, 0]]
    >>> vectors = keras.ops.convert_to_tensor([[[1.0], [2.0], [0.0]]])  # embedded steps: give the mask
    >>> mask = keras.ops.convert_to_tensor([[True, True, False]])
    >>> keras.ops.convert_to_numpy(LengthAwareReverse()(vectors, mask=mask))[0, :, 0].tolist()
    [2.0, 1.0, 0.0]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = ops.not_equal(inputs, 0)
        lengths = ops.sum(ops.cast(mask, "int32"), axis=1, keepdims=True)
        positions = ops.arange(ops.shape(inputs)[1], dtype="int32")[None, :]
        source = ops.where(positions < lengths, lengths - 1 - positions, positions)
        if len(inputs.shape) == 3:
            source = source[:, :, None]
        return ops.take_along_axis(inputs, ops.broadcast_to(source, ops.shape(inputs)), axis=1)
