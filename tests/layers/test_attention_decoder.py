"""AttentionDecoder: masking of padded encoder steps, both scores, `step` against `call`, config."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq.layers import AttentionDecoder, Decoder

VOCABULARY, EMBEDDING, HIDDEN, ENCODER, SOURCE_STEPS = 9, 4, 6, 5, 5
IDS = np.array([[2, 4, 5, 6, 7], [2, 8, 8, 4, 5]], "int32")  # start id first, no padding
PADDED_IDS = np.array([[2, 4, 5, 0, 0], [2, 8, 8, 4, 5]], "int32")
LENGTHS = [3, 5]  # real encoder steps of each row
MASK = np.arange(SOURCE_STEPS)[None, :] < np.array(LENGTHS)[:, None]
VARIANTS = [("dot", False), ("dot", True), ("additive", False), ("additive", True)]


def _state(seed=0, batch=2):
    rng = np.random.default_rng(seed)
    return [tf.constant(rng.normal(size=(batch, HIDDEN)).astype("float32")) for _ in range(2)]


def _encoder_outputs(seed=0, batch=2, padding_value=None):
    rng = np.random.default_rng(seed)
    outputs = rng.normal(size=(batch, SOURCE_STEPS, ENCODER)).astype("float32")
    if padding_value is not None:
        outputs[~MASK[:batch]] = padding_value
    return outputs


def _decoder(score, peeky, seed=0):
    keras.utils.set_random_seed(seed)
    decoder = AttentionDecoder(VOCABULARY, EMBEDDING, HIDDEN, score=score, peeky=peeky)
    decoder(IDS, _state(), _encoder_outputs(), MASK)
    rng = np.random.default_rng(seed)
    decoder.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in decoder.get_weights()])
    return decoder


def _softmax(x):
    x = x - x.max(-1, keepdims=True)
    return np.exp(x) / np.exp(x).sum(-1, keepdims=True)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_weight_shapes(score, peeky):
    decoder = _decoder(score, peeky)
    context = HIDDEN if peeky else 0
    assert tuple(decoder.lstm.kernel.shape) == (EMBEDDING + context, 4 * HIDDEN)
    assert tuple(decoder.affine.kernel.shape) == (HIDDEN + context + ENCODER, VOCABULARY)
    assert tuple(decoder.key_dense.kernel.shape) == (ENCODER, HIDDEN)
    if score == "additive":
        assert tuple(decoder.query_dense.kernel.shape) == (HIDDEN, HIDDEN)
        assert tuple(decoder.score_dense.kernel.shape) == (HIDDEN, 1)
    names = [variable.value.name for variable in decoder.weights]
    assert len(set(names)) == len(names), names


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_masked_encoder_steps_get_exactly_zero_weight(score, peeky):
    decoder = _decoder(score, peeky)
    weights = np.asarray(decoder.attention_weights(PADDED_IDS, _state(1), _encoder_outputs(1), MASK))
    assert weights.shape == (2, IDS.shape[1], SOURCE_STEPS)
    assert (weights[0, :, LENGTHS[0]:] == 0.0).all()
    assert (weights[:, :, : LENGTHS[0]] > 0.0).all()
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_padded_encoder_outputs_do_not_matter(score, peeky):
    decoder = _decoder(score, peeky)
    state = _state(2)
    base = np.asarray(decoder(IDS, state, _encoder_outputs(2, padding_value=0.0), MASK))
    other = np.asarray(decoder(IDS, state, _encoder_outputs(2, padding_value=1e4), MASK))
    np.testing.assert_allclose(other, base, atol=1e-5)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_a_mixed_length_batch_equals_each_example_alone(score, peeky):
    decoder = _decoder(score, peeky)
    state, encoder_outputs = _state(3), _encoder_outputs(3, padding_value=0.0)
    logits = np.asarray(decoder(IDS, state, encoder_outputs, MASK))
    weights = np.asarray(decoder.attention_weights(IDS, state, encoder_outputs, MASK))
    for row, length in enumerate(LENGTHS):
        one = slice(row, row + 1)
        alone_state = [s[one] for s in state]
        alone_outputs = encoder_outputs[one, :length]  # no padding at all, and no mask
        alone_logits = np.asarray(decoder(IDS[one], alone_state, alone_outputs))
        alone_weights = np.asarray(decoder.attention_weights(IDS[one], alone_state, alone_outputs))
        np.testing.assert_allclose(logits[one], alone_logits, atol=1e-5)
        np.testing.assert_allclose(weights[one, :, :length], alone_weights, atol=1e-6)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_call_equals_the_formula_computed_by_hand(score, peeky):
    decoder = _decoder(score, peeky)
    state, encoder_outputs = _state(4), _encoder_outputs(4)
    memory = decoder.memory(state, encoder_outputs, MASK)
    h = np.asarray(decoder.lstm_outputs(IDS, state, memory))  # [batch, steps, hidden], as in Decoder
    keys = encoder_outputs @ decoder.key_dense.kernel.numpy()  # [batch, source, hidden]
    if score == "dot":
        scores = h @ keys.transpose(0, 2, 1)
    else:
        query = h @ decoder.query_dense.kernel.numpy()
        hidden = np.tanh(query[:, :, None, :] + keys[:, None, :, :])
        scores = (hidden @ decoder.score_dense.kernel.numpy())[..., 0]
    scores = np.where(MASK[:, None, :], scores, -np.inf)
    weights = _softmax(scores)
    context = weights @ encoder_outputs
    parts = [h] + ([np.repeat(np.asarray(state[0])[:, None], IDS.shape[1], 1)] if peeky else []) + [context]
    kernel, bias = decoder.affine.get_weights()
    expected = np.concatenate(parts, -1) @ kernel + bias
    np.testing.assert_allclose(decoder(IDS, state, encoder_outputs, MASK), expected, atol=1e-4)
    np.testing.assert_allclose(
        decoder.attention_weights(IDS, state, encoder_outputs, MASK), weights, atol=1e-6
    )


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_step_matches_teacher_forced_call_step_by_step(score, peeky):
    decoder = _decoder(score, peeky)
    state, encoder_outputs = _state(5), _encoder_outputs(5)
    teacher_forced = np.asarray(decoder(IDS, state, encoder_outputs, MASK))
    decoding_state = decoder.start(state, encoder_outputs, MASK)
    for t in range(IDS.shape[1]):
        logits, decoding_state = decoder.step(tf.constant(IDS[:, t]), decoding_state)
        np.testing.assert_allclose(logits, teacher_forced[:, t], atol=1e-5, err_msg=f"step {t}")


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_padding_of_the_decoder_ids_does_not_change_real_steps(score, peeky):
    decoder = _decoder(score, peeky)
    state, encoder_outputs = _state(6), _encoder_outputs(6)
    short = np.asarray(decoder(PADDED_IDS[:1, :3], [s[:1] for s in state], encoder_outputs[:1], MASK[:1]))
    padded = np.asarray(decoder(PADDED_IDS, state, encoder_outputs, MASK))
    np.testing.assert_allclose(padded[:1, :3], short, atol=1e-6)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_config_round_trip(score, peeky):
    decoder = _decoder(score, peeky)
    config = decoder.get_config()
    assert config["score"] == score and config["peeky"] is peeky
    clone = AttentionDecoder.from_config(config)
    clone(IDS, _state(), _encoder_outputs(), MASK)
    clone.set_weights(decoder.get_weights())
    args = (IDS, _state(7), _encoder_outputs(7), MASK)
    np.testing.assert_allclose(clone(*args), decoder(*args), atol=1e-6)


def test_rejects_an_unknown_score_and_missing_encoder_outputs():
    with pytest.raises(ValueError, match="score must be one of"):
        AttentionDecoder(VOCABULARY, EMBEDDING, HIDDEN, score="cosine")
    with pytest.raises(ValueError, match="needs encoder_outputs"):
        AttentionDecoder(VOCABULARY, EMBEDDING, HIDDEN)(IDS, _state())


def test_plain_decoder_takes_and_ignores_encoder_outputs():
    keras.utils.set_random_seed(0)
    decoder = Decoder(VOCABULARY, EMBEDDING, HIDDEN)
    state = _state(8)
    base = np.asarray(decoder(IDS, state))
    np.testing.assert_allclose(decoder(IDS, state, _encoder_outputs(), MASK), base, atol=1e-6)
    assert decoder.uses_encoder_outputs is False and AttentionDecoder.uses_encoder_outputs is True
