"""`FusedLSTM` computes what `keras.layers.LSTM` computes on the same weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq.layers import FusedLSTM
from keras_seq2seq.layers.fused_lstm import MAX_UNROLLED_STEPS

UNITS, FEATURES, CONSTANT = 5, 3, 4
LENGTHS = [6, 3, 1, 0]  # the last row is all padding
ATOL = 1e-5


@pytest.fixture
def inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(len(LENGTHS), max(LENGTHS), FEATURES)).astype("float32")
    mask = np.arange(max(LENGTHS))[None, :] < np.array(LENGTHS)[:, None]
    return x * mask[:, :, None], mask


def _random_state(rng, batch):
    return [rng.normal(size=(batch, UNITS)).astype("float32") for _ in range(2)]


def _pair(input_dim, constant_dim=0, seed=0):
    """A FusedLSTM and a keras LSTM (on inputs of `input_dim + constant_dim`) sharing random weights."""
    fused = FusedLSTM(UNITS)
    fused.build((None, None, input_dim), (None, constant_dim) if constant_dim else None)
    reference = keras.layers.LSTM(UNITS, return_sequences=True, return_state=True)
    reference.build((None, None, input_dim + constant_dim))
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in fused.get_weights()]
    fused.set_weights(weights)
    reference.set_weights(weights)
    return fused, reference


def _assert_same(fused_result, reference_result, rows=slice(None)):
    sequence, (h, c) = fused_result
    for actual, expected in zip([sequence, h, c], reference_result):
        np.testing.assert_allclose(np.asarray(actual)[rows], np.asarray(expected)[rows], atol=ATOL)


# With an initial state, keras.layers.LSTM outputs zeros at the steps of an
# all-padding row while FusedLSTM carries the initial h (checked below), so
# sequences are compared on the rows with at least one real step.
REAL_ROWS = [row for row, length in enumerate(LENGTHS) if length > 0]


def test_weight_layout_matches_keras_lstm():
    fused, reference = _pair(FEATURES)
    assert [w.shape for w in fused.weights] == [w.shape for w in reference.weights]
    assert [w.name for w in fused.weights] == ["kernel", "recurrent_kernel", "bias"]


def test_bias_starts_with_open_forget_gates():
    layer = FusedLSTM(UNITS)
    layer.build((None, None, FEATURES))
    expected = np.concatenate([np.zeros(UNITS), np.ones(UNITS), np.zeros(2 * UNITS)])
    np.testing.assert_array_equal(layer.bias.numpy(), expected)


def test_equals_keras_lstm_without_mask(inputs):
    x, _ = inputs
    fused, reference = _pair(FEATURES)
    _assert_same(fused(x), reference(x))


def test_equals_keras_lstm_with_mask(inputs):
    x, mask = inputs
    fused, reference = _pair(FEATURES)
    result = fused(x, mask=mask)
    _assert_same(result, reference(x, mask=mask))
    # And the mask matters: without it the padded rows end in another state.
    unmasked_h = fused(x)[1][0]
    assert not np.allclose(unmasked_h[1], result[1][0][1], atol=1e-3)


def test_equals_keras_lstm_with_initial_state_and_mask(inputs):
    x, mask = inputs
    fused, reference = _pair(FEATURES)
    state = _random_state(np.random.default_rng(1), len(LENGTHS))
    result = fused(x, mask=mask, initial_state=state)
    expected = reference(x, mask=mask, initial_state=state)
    _assert_same(result, expected, rows=REAL_ROWS)
    sequence, (h, c) = np.asarray(result[0]), [np.asarray(s) for s in result[1]]
    # Final states match keras on every row; the all-padding row keeps its initial state.
    np.testing.assert_allclose(h, expected[1], atol=ATOL)
    np.testing.assert_allclose(c, expected[2], atol=ATOL)
    np.testing.assert_allclose(h[3], state[0][3], atol=ATOL)
    np.testing.assert_allclose(c[3], state[1][3], atol=ATOL)
    # As documented ("masked steps carry the previous state over"), the all-padding
    # row outputs the initial h at every step.
    np.testing.assert_allclose(sequence[3], np.repeat(state[0][3][None], x.shape[1], axis=0), atol=ATOL)
    # And the initial state matters.
    assert not np.allclose(sequence[0], np.asarray(fused(x, mask=mask)[0])[0], atol=1e-3)


def test_constant_inputs_equal_concatenating_them_to_every_step(inputs):
    x, mask = inputs
    rng = np.random.default_rng(2)
    constant = rng.normal(size=(len(LENGTHS), CONSTANT)).astype("float32")
    fused, reference = _pair(FEATURES, CONSTANT)
    tiled = np.concatenate([x, np.repeat(constant[:, None, :], x.shape[1], axis=1)], axis=-1)
    state = _random_state(rng, len(LENGTHS))
    _assert_same(
        fused(x, constant_inputs=constant, mask=mask, initial_state=state),
        reference(tiled, mask=mask, initial_state=state),
        rows=REAL_ROWS,
    )
    # The constant really enters the gates.
    other = fused(x, constant_inputs=constant + 1.0, mask=mask, initial_state=state)[0]
    assert not np.allclose(other[0], fused(x, constant_inputs=constant, mask=mask, initial_state=state)[0][0])


@pytest.mark.parametrize("with_constant", [False, True])
def test_unrolled_path_equals_looped_path(inputs, with_constant):
    x, mask = inputs
    rng = np.random.default_rng(3)
    constant = rng.normal(size=(len(LENGTHS), CONSTANT)).astype("float32") if with_constant else None
    fused, _ = _pair(FEATURES, CONSTANT if with_constant else 0)
    state = _random_state(rng, len(LENGTHS))

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, FEATURES], tf.float32),
            tf.TensorSpec([None, None], tf.bool),
        ]
    )
    def looped(x, mask):
        return fused(x, constant_inputs=constant, mask=mask, initial_state=state)

    # The static length is traced away inside the signature above, so this graph loops.
    graph = looped.get_concrete_function().graph
    assert any(op.type in ("While", "StatelessWhile") for op in graph.get_operations())

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, x.shape[1], FEATURES], tf.float32),
            tf.TensorSpec([None, x.shape[1]], tf.bool),
        ]
    )
    def static(x, mask):
        return fused(x, constant_inputs=constant, mask=mask, initial_state=state)

    graph = static.get_concrete_function().graph
    assert not any(op.type in ("While", "StatelessWhile") for op in graph.get_operations())

    unrolled = static(tf.constant(x), tf.constant(mask))
    dynamic = looped(tf.constant(x), tf.constant(mask))
    for a, b in zip(tf.nest.flatten(unrolled), tf.nest.flatten(dynamic)):
        np.testing.assert_allclose(a, b, atol=ATOL)


def test_long_sequences_use_the_loop_and_still_match_keras():
    steps = MAX_UNROLLED_STEPS + 6
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, steps, FEATURES)).astype("float32")
    mask = np.arange(steps)[None, :] < np.array([[steps], [steps - 9]])
    fused, reference = _pair(FEATURES)
    _assert_same(fused(x, mask=mask), reference(x, mask=mask))


@pytest.mark.parametrize("steps", [1, MAX_UNROLLED_STEPS + 1, 500])
def test_xla_compiles_the_loop_and_its_gradient_for_any_length(steps):
    """Under `jit_compile=True` with an unknown length, the loop and its gradient equal the plain graph's."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, steps, FEATURES)).astype("float32")
    mask = np.arange(steps)[None, :] < np.array([[steps], [max(1, steps - 9)]])
    fused, _ = _pair(FEATURES)
    spec = [tf.TensorSpec([None, None, FEATURES], tf.float32), tf.TensorSpec([None, None], tf.bool)]

    def loss_and_gradients(x, mask):
        with tf.GradientTape() as tape:
            tape.watch(x)
            sequence, (h, c) = fused(x, mask=mask)
            loss = tf.reduce_sum(sequence**2) + tf.reduce_sum(c)
        return [loss, *tape.gradient(loss, [x, *fused.trainable_variables])]

    compiled = tf.function(loss_and_gradients, input_signature=spec, jit_compile=True)(x, mask)
    plain = tf.function(loss_and_gradients, input_signature=spec)(x, mask)
    for a, b in zip(compiled, plain):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_in_a_functional_model_and_config_round_trip():
    layer = FusedLSTM(UNITS, name="lstm")
    inputs = keras.Input((None, FEATURES))
    sequence, (h, c) = layer(inputs)
    assert tuple(sequence.shape) == (None, None, UNITS)
    assert tuple(h.shape) == (None, UNITS)
    clone = FusedLSTM.from_config(layer.get_config())
    assert clone.units == UNITS and clone.name == "lstm"
