"""The contract every block keeps (keras-hub's `run_layer_test` is the model we follow).

For each block of `keras_seq2seq.layers`, built from its config, on random weights:
- **serialisation**: `from_config(get_config())` with the same weights gives the same outputs;
- **masking**: more padding on the right changes nothing at the real steps, nor the final state;
- **a training step**: every trainable weight gets a gradient that is not zero;
- **mixed precision**: under `mixed_float16` the variables stay float32 and the outputs are
  finite and close to float32's.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq.layers import AttentionDecoder, Decoder, FusedLSTM, ImageEncoder, PeekyDecoder, TextEncoder

VOCABULARY, EMBEDDING, HIDDEN = 11, 6, 8
IDS = np.array([[5, 3, 9, 4, 0], [7, 2, 0, 0, 0]], np.int32)  # right-padded; lengths 4 and 2
REAL = IDS > 0


def _state(rng):
    return [tf.constant(rng.normal(size=(len(IDS), HIDDEN)).astype("float32")) for _ in range(2)]


def _memory(rng, extra_padding):
    """Encoder outputs and mask, real steps 3 and 2, with `extra_padding` padded steps more."""
    mask = np.arange(3 + extra_padding)[None, :] < np.array([[3], [2]])
    outputs = np.pad(rng.normal(size=(len(IDS), 3, HIDDEN)).astype("float32"), ((0, 0), (0, extra_padding), (0, 0)))
    return tf.constant(outputs * mask[:, :, None]), tf.constant(mask)


def _padded(ids, extra):
    return np.pad(ids, ((0, 0), (0, extra)))


# name -> (constructor, inputs(rng, extra_padding) -> call arguments (a last dict: keyword arguments),
#          the kind of outputs compared at the real steps, None when there is no padding)
CASES = {
    "TextEncoder": (
        lambda **dtype: TextEncoder(VOCABULARY, EMBEDDING, HIDDEN, num_layers=2, bidirectional=True, **dtype),
        lambda rng, extra: [tf.constant(_padded(IDS, extra))],
        "sequence_and_state",
    ),
    "TextEncoder reversed": (
        lambda **dtype: TextEncoder(VOCABULARY, EMBEDDING, HIDDEN, reverse=True, **dtype),
        lambda rng, extra: [tf.constant(_padded(IDS, extra))],
        "sequence_and_state",
    ),
    "FusedLSTM": (
        lambda **dtype: FusedLSTM(HIDDEN, **dtype),
        lambda rng, extra: [tf.constant(np.pad(rng.normal(size=(*IDS.shape, 3)).astype("float32") * REAL[:, :, None],
                                               ((0, 0), (0, extra), (0, 0)))), {"mask": tf.constant(_padded(REAL, extra))}],
        "sequence_and_state",
    ),
    "Decoder": (
        lambda **dtype: Decoder(VOCABULARY, EMBEDDING, HIDDEN, num_layers=2, **dtype),
        lambda rng, extra: [tf.constant(_padded(IDS, extra)), _state(rng)],
        "logits",
    ),
    "PeekyDecoder": (
        lambda **dtype: PeekyDecoder(VOCABULARY, EMBEDDING, HIDDEN, **dtype),
        lambda rng, extra: [tf.constant(_padded(IDS, extra)), _state(rng)],
        "logits",
    ),
    "AttentionDecoder": (
        lambda **dtype: AttentionDecoder(VOCABULARY, EMBEDDING, HIDDEN, score="additive", peeky=True, **dtype),
        lambda rng, extra: [tf.constant(_padded(IDS, extra)), _state(rng), *_memory(rng, extra)],
        "logits",
    ),
    "ImageEncoder": (
        lambda **dtype: ImageEncoder(HIDDEN, image_size=(16, 16), channels=1, filters=(4, 8), **dtype),
        lambda rng, extra: [tf.constant(rng.uniform(size=(2, 16, 16, 1)).astype("float32"))],
        None,  # no padding to mask
    ),
}


def _built(name, seed=0, **dtype):
    """The block of `name` and its inputs, on random weights (so that zero biases hide nothing)."""
    make, inputs, _ = CASES[name]
    block = make(**dtype)
    args = inputs(np.random.default_rng(1), 0)
    _call(block, args)
    rng = np.random.default_rng(seed)
    block.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(w.dtype) for w in block.get_weights()])
    return block, args


def _call(block, args, **options):
    """`block(*args)`, with a last dict in `args` as keyword arguments."""
    if isinstance(args[-1], dict):
        return block(*args[:-1], **args[-1], **options)
    return block(*args, **options)


def _other_real_steps(args):
    """`args` with other values at the real steps of the first input (ids or vectors), padding unchanged."""
    first = np.asarray(args[0])
    if first.dtype.kind == "i":
        changed = np.where(first > 0, VOCABULARY - first, 0)
    else:
        changed = first + 1.0 * (np.abs(first).sum(axis=-1, keepdims=True) > 0)
    return [tf.constant(changed), *args[1:]]


def _flat(outputs):
    return [np.asarray(tensor, "float32") for tensor in tf.nest.flatten(outputs)]


@pytest.mark.parametrize("name", CASES)
def test_config_round_trip_gives_the_same_outputs(name):
    block, args = _built(name)
    clone = type(block).from_config(block.get_config())
    _call(clone, args)
    clone.set_weights(block.get_weights())
    for a, b in zip(_flat(_call(clone, args)), _flat(_call(block, args))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case[2]])
def test_more_padding_changes_nothing_at_the_real_steps(name):
    block, _ = _built(name)
    _, inputs, kind = CASES[name]
    short, long = inputs(np.random.default_rng(2), 0), inputs(np.random.default_rng(2), 3)
    if kind == "logits":
        np.testing.assert_allclose(np.asarray(_call(block, long))[:, : IDS.shape[1]][REAL],
                                   np.asarray(_call(block, short))[REAL], atol=1e-5)
    else:
        (sequence, state), (long_sequence, long_state) = _call(block, short), _call(block, long)
        np.testing.assert_allclose(np.asarray(long_sequence)[:, : IDS.shape[1]][REAL],
                                   np.asarray(sequence)[REAL], atol=1e-5)
        for a, b in zip(_flat(long_state), _flat(state)):
            np.testing.assert_allclose(a, b, atol=1e-5)
    # The padding is not ignored by accident: the real steps matter.
    changed = _other_real_steps(short)
    assert not all(np.allclose(a, b) for a, b in zip(_flat(_call(block, changed)), _flat(_call(block, short))))


@pytest.mark.parametrize("name", CASES)
def test_a_training_step_reaches_every_weight(name):
    block, args = _built(name)
    with tf.GradientTape() as tape:
        outputs = _call(block, args, **({} if name in ("FusedLSTM", "ImageEncoder") else {"training": True}))
        loss = sum(tf.reduce_sum(tf.square(tf.cast(x, "float32"))) for x in tf.nest.flatten(outputs))
    gradients = tape.gradient(loss, block.trainable_variables)
    assert block.trainable_variables
    silent = [v.path for v, g in zip(block.trainable_variables, gradients) if g is None or not np.any(np.asarray(g))]
    assert silent == []


@pytest.mark.parametrize("name", CASES)
def test_mixed_precision_keeps_float32_variables_and_close_outputs(name):
    block, args = _built(name)
    mixed, _ = _built(name, dtype="mixed_float16")
    assert {v.dtype for v in mixed.weights} == {"float32"}
    mixed.set_weights(block.get_weights())
    for low, full in zip(_flat(_call(mixed, args)), _flat(_call(block, args))):
        assert np.isfinite(low).all()
        np.testing.assert_allclose(low, full, atol=0.05, rtol=0.05)
