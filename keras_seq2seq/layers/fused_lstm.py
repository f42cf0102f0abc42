"""An LSTM that projects every step's input in one matrix product and can take a per-sequence input.

Why not `keras.layers.LSTM`: on the CPU it multiplies each step's input by the
kernel inside the recurrence, and it has no way to feed an input that is the
same at every step (the peeky context) without concatenating it to every step
and multiplying it again T times. Here the input share of the gates for all
steps is one matrix product before the loop, the constant share is computed
once per sequence, and only `h @ recurrent_kernel` runs step by step. Short
sequences of known length are unrolled, which lets XLA fuse the whole loop; the
others run as one loop in the graph, which XLA compiles for any number of steps
(on TensorFlow, a `tf.while_loop` with `maximum_iterations`: XLA cannot compile
the gradient of a loop whose trip count it cannot bound, and `keras.ops.scan`
sets none).
`bench/training_speed.py` measures what this buys; `tests/layers/test_fused_lstm.py`
checks that it computes exactly what `keras.layers.LSTM` computes on the same weights.
"""

import keras
from keras import ops

# Sequences up to this many steps are unrolled when their length is known when tracing.
MAX_UNROLLED_STEPS = 64


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class FusedLSTM(keras.layers.Layer):
    """LSTM returning `(sequence_output, [h, c])`; masked steps carry the previous state over.

    The weights have the layout of `keras.layers.LSTM` (gates in the order i, f, c, o).
    `constant_inputs` of shape `[batch, features]` act as if concatenated to every
    step's input: their rows of the kernel follow the rows of the step inputs.

    Example:
    >>> lstm = FusedLSTM(8)
    >>> outputs, (h, c) = lstm(keras.ops.ones((2, 5, 3)))
    >>> tuple(outputs.shape), tuple(h.shape)
    ((2, 5, 8), (2, 8))
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, inputs_shape, constant_inputs_shape=None):
        input_dim = inputs_shape[-1] + (constant_inputs_shape[-1] if constant_inputs_shape else 0)
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, 4 * self.units), initializer="glorot_uniform"
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, 4 * self.units), initializer="orthogonal"
        )
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer=self._bias_initializer)
        self._step_input_dim = inputs_shape[-1]

    def _bias_initializer(self, shape, dtype=None):
        """As `keras.layers.LSTM(unit_forget_bias=True)`: zeros, but the forget gates start open."""
        units = self.units
        return ops.cast(ops.concatenate([ops.zeros(units), ops.ones(units), ops.zeros(2 * units)]), dtype)

    def constant_gates(self, constant_inputs):
        """Share of the gates of the per-sequence inputs, `[batch, 4 * units]`: computed once."""
        return ops.matmul(constant_inputs, self.kernel[self._step_input_dim :])

    def project(self, inputs, constant_gates=None):
        """Gates from the inputs of one step `[batch, features]` or of all steps `[batch, steps, features]`."""
        gates = ops.matmul(inputs, self.kernel[: self._step_input_dim]) + self.bias
        if constant_gates is not None:
            gates = gates + (constant_gates[:, None, :] if len(inputs.shape) == 3 else constant_gates)
        return gates

    def step(self, gates, state, step_mask=None):
        """One recurrence step from projected `gates` `[batch, 4 * units]`; returns `(h, [h, c])`."""
        h, c = state
        z = gates + ops.matmul(h, self.recurrent_kernel)
        i, f, g, o = ops.split(z, 4, axis=-1)
        new_c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        new_h = ops.sigmoid(o) * ops.tanh(new_c)
        if step_mask is not None:
            keep = step_mask[:, None]
            new_h = ops.where(keep, new_h, h)
            new_c = ops.where(keep, new_c, c)
        return new_h, [new_h, new_c]

    def call(self, inputs, constant_inputs=None, mask=None, initial_state=None):
        constant_gates = None if constant_inputs is None else self.constant_gates(constant_inputs)
        gates = self.project(inputs, constant_gates)
        if initial_state is None:
            zeros = ops.zeros((ops.shape(inputs)[0], self.units), dtype=gates.dtype)
            initial_state = [zeros, zeros]
        if mask is not None:
            mask = ops.cast(mask, "bool")
        steps = inputs.shape[1]
        if isinstance(steps, int) and steps <= MAX_UNROLLED_STEPS:
            return self._unrolled(gates, mask, list(initial_state), steps)
        if mask is None:
            mask = ops.ones(ops.shape(gates)[:2], dtype="bool")
        if keras.backend.backend() == "tensorflow":
            return self._tf_while_loop(gates, mask, list(initial_state))
        return self._scanned(gates, mask, list(initial_state))

    def _unrolled(self, gates, mask, state, steps):
        outputs = []
        for t in range(steps):
            output, state = self.step(gates[:, t], state, None if mask is None else mask[:, t])
            outputs.append(output)
        return ops.stack(outputs, axis=1), state

    def _tf_while_loop(self, gates, mask, state):
        import tensorflow as tf

        steps = tf.shape(gates)[1]
        step_gates = tf.TensorArray(gates.dtype, size=steps).unstack(tf.transpose(gates, (1, 0, 2)))
        step_masks = tf.TensorArray(tf.bool, size=steps).unstack(tf.transpose(mask))
        outputs = tf.TensorArray(gates.dtype, size=steps, element_shape=[None, self.units])

        def body(t, h, c, outputs):
            output, (h, c) = self.step(step_gates.read(t), [h, c], step_masks.read(t))
            return t + 1, h, c, outputs.write(t, output)

        _, h, c, outputs = tf.while_loop(
            lambda t, *_: t < steps, body, (0, *state, outputs), maximum_iterations=steps
        )
        return tf.transpose(outputs.stack(), (1, 0, 2)), [h, c]

    def _scanned(self, gates, mask, state):
        # One time-major tensor holds each step's gates and, in its last column, the
        # step's mask: the TensorFlow backend of `ops.scan` fails on several inputs
        # of unknown length, and wants per-step outputs shaped like the carry.
        steps = ops.concatenate([gates, ops.cast(mask, gates.dtype)[:, :, None]], axis=-1)

        def scan_step(carry, step):
            _, carry = self.step(step[:, :-1], carry, step[:, -1] > 0.5)
            return carry, carry

        state, (outputs, _) = ops.scan(scan_step, state, ops.transpose(steps, (1, 0, 2)))
        return ops.transpose(outputs, (1, 0, 2)), state

    def compute_mask(self, inputs, constant_inputs=None, mask=None, initial_state=None):
        return mask, [None, None]

    def compute_output_shape(self, inputs_shape, constant_inputs_shape=None, initial_state_shape=None):
        state_shape = (inputs_shape[0], self.units)
        return (*inputs_shape[:2], self.units), [state_shape, state_shape]

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config
