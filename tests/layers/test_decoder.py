"""Decoder and PeekyDecoder: wiring of the context, and `step` against the teacher-forced `call`."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq.layers import Decoder, PeekyDecoder

VOCABULARY, EMBEDDING, HIDDEN = 9, 4, 6
IDS = np.array([[2, 4, 5, 6, 7], [2, 8, 8, 4, 5]], "int32")  # start id first, no padding
PADDED_IDS = np.array([[2, 4, 5, 0, 0], [2, 8, 8, 4, 5]], "int32")


def _state(seed=0, batch=2):
    rng = np.random.default_rng(seed)
    return [tf.constant(rng.normal(size=(batch, HIDDEN)).astype("float32")) for _ in range(2)]


def _decoder(decoder_class, seed=0):
    keras.utils.set_random_seed(seed)
    decoder = decoder_class(VOCABULARY, EMBEDDING, HIDDEN)
    decoder(IDS, _state())
    rng = np.random.default_rng(seed)
    decoder.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in decoder.get_weights()])
    return decoder


def test_plain_decoder_affine_sees_the_hidden_state_only():
    decoder = _decoder(Decoder)
    assert tuple(decoder.affine.kernel.shape) == (HIDDEN, VOCABULARY)
    assert tuple(decoder.lstm.kernel.shape) == (EMBEDDING, 4 * HIDDEN)
    assert decoder.context(_state()) is None
    assert "context" not in decoder.start(_state())


def test_peeky_decoder_inputs_include_the_context():
    decoder = _decoder(PeekyDecoder)
    assert tuple(decoder.affine.kernel.shape) == (2 * HIDDEN, VOCABULARY)
    assert tuple(decoder.lstm.kernel.shape) == (EMBEDDING + HIDDEN, 4 * HIDDEN)
    state = _state()
    np.testing.assert_array_equal(decoder.context(state), state[0])


def test_peeky_decoder_equals_concatenating_the_context_by_hand():
    decoder = _decoder(PeekyDecoder)
    state = _state(1)
    h = np.asarray(state[0])
    reference = keras.layers.LSTM(HIDDEN, return_sequences=True)
    reference.build((None, None, EMBEDDING + HIDDEN))
    reference.set_weights(decoder.lstm.get_weights())
    embedded = np.asarray(decoder.embedding(PADDED_IDS))
    steps = PADDED_IDS.shape[1]
    tiled = np.repeat(h[:, None, :], steps, axis=1)
    sequence = reference(np.concatenate([embedded, tiled], -1), mask=PADDED_IDS != 0, initial_state=state)
    kernel, bias = decoder.affine.get_weights()
    expected = np.concatenate([np.asarray(sequence), tiled], -1) @ kernel + bias
    np.testing.assert_allclose(decoder(PADDED_IDS, state), expected, atol=1e-5)


def test_peeky_context_changes_the_logits_at_every_step():
    decoder = _decoder(PeekyDecoder)
    state = _state(2)
    base = np.asarray(decoder(IDS, state))
    other_context = tf.constant(np.asarray(state[0]) + 1.0)
    decoder.context = lambda _: other_context  # same initial state, another context
    changed = np.asarray(decoder(IDS, state))
    difference = np.abs(changed - base).max(axis=-1)  # [batch, steps]
    assert (difference > 1e-3).all(), difference


def test_peeky_logits_have_a_gradient_from_the_context_at_every_step():
    decoder = _decoder(PeekyDecoder)
    state = _state(3)
    context = tf.Variable(state[0])
    decoder.context = lambda _: context
    with tf.GradientTape(persistent=True) as tape:
        logits = decoder(IDS, state)
        per_step = [tf.reduce_sum(logits[:, t] * tf.range(VOCABULARY, dtype=tf.float32)) for t in range(IDS.shape[1])]
    for t, value in enumerate(per_step):
        gradient = tape.gradient(value, context)
        assert gradient is not None and float(tf.reduce_max(tf.abs(gradient))) > 1e-4, t


@pytest.mark.parametrize("part", ["affine", "lstm"])
def test_zeroing_the_context_weights_of_one_part_changes_every_step(part):
    decoder = _decoder(PeekyDecoder)
    state = _state(4)
    base = np.asarray(decoder(IDS, state))
    layer = decoder.affine if part == "affine" else decoder.lstm
    kernel = layer.kernel.numpy()
    rows = slice(HIDDEN, None) if part == "affine" else slice(EMBEDDING, None)
    kernel[rows] = 0.0
    layer.kernel.assign(kernel)
    changed = np.asarray(decoder(IDS, state))
    assert (np.abs(changed - base).max(axis=-1) > 1e-3).all()


def test_peeky_without_context_weights_equals_the_plain_decoder():
    peeky = _decoder(PeekyDecoder)
    plain = _decoder(Decoder, seed=5)
    embedding, lstm_kernel, recurrent, lstm_bias, affine_kernel, affine_bias = peeky.get_weights()
    lstm_kernel[EMBEDDING:] = 0.0
    affine_kernel[HIDDEN:] = 0.0
    peeky.set_weights([embedding, lstm_kernel, recurrent, lstm_bias, affine_kernel, affine_bias])
    plain.set_weights(
        [embedding, lstm_kernel[:EMBEDDING], recurrent, lstm_bias, affine_kernel[:HIDDEN], affine_bias]
    )
    state = _state(6)
    np.testing.assert_allclose(peeky(PADDED_IDS, state), plain(PADDED_IDS, state), atol=1e-5)


@pytest.mark.parametrize("decoder_class", [Decoder, PeekyDecoder])
def test_step_matches_teacher_forced_call_step_by_step(decoder_class):
    decoder = _decoder(decoder_class)
    state = _state(7)
    teacher_forced = np.asarray(decoder(IDS, state))
    decoding_state = decoder.start(state)
    for t in range(IDS.shape[1]):
        logits, decoding_state = decoder.step(tf.constant(IDS[:, t]), decoding_state)
        np.testing.assert_allclose(logits, teacher_forced[:, t], atol=1e-5, err_msg=f"step {t}")
    if decoder_class is PeekyDecoder:
        np.testing.assert_array_equal(decoding_state["context"], state[0])  # the context never changes


@pytest.mark.parametrize("decoder_class", [Decoder, PeekyDecoder])
def test_padding_does_not_change_the_logits_of_real_steps(decoder_class):
    decoder = _decoder(decoder_class)
    state = _state(8)
    short = np.asarray(decoder(PADDED_IDS[:1, :3], [s[:1] for s in state]))
    padded = np.asarray(decoder(PADDED_IDS, state))
    np.testing.assert_allclose(padded[:1, :3], short, atol=1e-6)


@pytest.mark.parametrize("decoder_class", [Decoder, PeekyDecoder])
def test_config_round_trip(decoder_class):
    decoder = _decoder(decoder_class)
    clone = decoder_class.from_config(decoder.get_config())
    clone(IDS, _state())
    clone.set_weights(decoder.get_weights())
    np.testing.assert_allclose(clone(IDS, _state(9)), decoder(IDS, _state(9)), atol=1e-6)
