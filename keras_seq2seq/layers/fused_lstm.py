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

On a GPU, none of that beats cuDNN's fused kernel. There, whole sequences (the
encoder, the teacher-forced decoder) run through `keras.layers.LSTM` on this
layer's own weights, which picks the backend's cuDNN kernel when the mask is
right-padded; decoding step by step stays here. `fused_kernels_only()` turns
that path off while an export traces its graph: TF Serving's CPU builds have no
`CudnnRNN*` kernels, whatever device trained the model.
"""

import contextlib

import keras
from keras import ops

# Sequences up to this many steps are unrolled when their length is known when tracing.
MAX_UNROLLED_STEPS = 64

_fused_kernels_only = False


@contextlib.contextmanager
def fused_kernels_only():
    """Within it, every `FusedLSTM` runs its own kernels, never the cuDNN-capable path (for exports).

    Example:
    >>> lstm = FusedLSTM(4, use_cudnn=True)
    >>> with fused_kernels_only():
    ...     outputs, state = lstm(keras.ops.ones((1, 3, 2)))
    """
    global _fused_kernels_only
    before, _fused_kernels_only = _fused_kernels_only, True
    try:
        yield
    finally:
        _fused_kernels_only = before


def gpu_visible():
    """Whether the Keras backend sees a GPU (TensorFlow, JAX and PyTorch each ask in their own way)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_logical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    return False


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class FusedLSTM(keras.layers.Layer):
    """LSTM returning `(sequence_output, [h, c])`; masked steps carry the previous state over.

    The weights have the layout of `keras.layers.LSTM` (gates in the order i, f, c, o).
    `constant_inputs` of shape `[batch, features]` act as if concatenated to every
    step's input: their rows of the kernel follow the rows of the step inputs.

    `use_cudnn`: "auto" runs whole sequences through `keras.layers.LSTM` (and so
    cuDNN) on these weights when a GPU is visible, True always (on a CPU, Keras'
    generic kernels: how the tests check that path), False never. "auto" never
    takes it on JAX: Keras' JAX LSTM runs cuDNN only for sequences without a mask,
    and this library's sequences all have one, so it would only trade the fused
    loop for Keras' generic one and turn `jax.jit` off. Where the
    cuDNN kernel runs, every row needs at least one real step and outputs at
    padded steps are zeros instead of the carried-over state (both are masked
    wherever this library reads them).

    Example:
    >>> lstm = FusedLSTM(8)
    >>> outputs, (h, c) = lstm(keras.ops.ones((2, 5, 3)))
    >>> tuple(outputs.shape), tuple(h.shape)
    ((2, 5, 8), (2, 8))
    """

    def __init__(self, units, use_cudnn="auto", **kwargs):
        super().__init__(**kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f'use_cudnn must be "auto", True or False, got {use_cudnn!r}')
        self.units = units
        self.use_cudnn = use_cudnn
        self.supports_masking = True
        self._keras_lstm_call = None

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
        on_cudnn_gpu = keras.backend.backend() != "jax" and gpu_visible()  # see the class docstring
        if self.use_cudnn is True or (self.use_cudnn == "auto" and on_cudnn_gpu):
            keras_lstm = keras.layers.LSTM(self.units, return_sequences=True, return_state=True, dtype=self.dtype_policy)
            keras_lstm.build((None, None, input_dim))

            def run_on_these_weights(weights, *args, **kwargs):
                return keras_lstm.stateless_call(weights, keras_lstm.non_trainable_variables, *args, **kwargs)[0]

            # Held through a function only: Keras' tracking and saving never see the copy of the
            # weights that `keras_lstm` built for itself (`stateless_call` runs it on ours).
            self._keras_lstm_call = run_on_these_weights
            self.supports_jit = False  # cuDNN kernels are not XLA-compilable: `jit_compile="auto"` keeps XLA off

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
        if self._keras_lstm_call is not None and not _fused_kernels_only:
            return self._keras_lstm(inputs, constant_inputs, mask, initial_state)
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

    def _keras_lstm(self, inputs, constant_inputs, mask, initial_state):
        """The cuDNN-capable path: `keras.layers.LSTM` with this layer's weights, constants tiled over the steps."""
        if constant_inputs is not None:
            steps = ops.shape(inputs)[1]
            inputs = ops.concatenate([inputs, ops.repeat(constant_inputs[:, None, :], steps, axis=1)], axis=-1)
        weights = [self.kernel, self.recurrent_kernel, self.bias]
        sequence, h, c = self._keras_lstm_call(weights, inputs, mask=mask, initial_state=initial_state)
        return sequence, [h, c]

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
        config.update({"units": self.units, "use_cudnn": self.use_cudnn})
        return config
