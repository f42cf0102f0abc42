"""Encoder context is invariant to right padding, reversed or not."""

import keras
import numpy as np
import pytest

from keras_seq2seq.layers import TextEncoder

VOCABULARY_SIZE = 10


def _encoder(reverse, num_layers=1, vocabulary_size=VOCABULARY_SIZE, seed=0):
    keras.utils.set_random_seed(seed)
    encoder = TextEncoder(vocabulary_size, 4, 6, num_layers=num_layers, reverse=reverse)
    encoder(np.array([[4, 5]], "int32") if vocabulary_size else np.ones((1, 2, 3), "float32"))
    return encoder


def _context(encoder, source):
    _, (h, c) = encoder(np.asarray(source))
    return np.asarray(h), np.asarray(c)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_context_ignores_right_padding(reverse, num_layers):
    encoder = _encoder(reverse, num_layers)
    h, c = _context(encoder, [[3, 7]])
    padded_h, padded_c = _context(encoder, [[3, 7, 0, 0, 0]])
    np.testing.assert_allclose(padded_h, h, atol=1e-6)
    np.testing.assert_allclose(padded_c, c, atol=1e-6)
    # In a batch with longer rows too.
    batch_h, _ = _context(encoder, [[3, 7, 0, 0, 0], [4, 5, 6, 7, 8]])
    np.testing.assert_allclose(batch_h[0], h[0], atol=1e-6)
    # And the context does depend on the real tokens.
    assert not np.allclose(_context(encoder, [[7, 3]])[0], h, atol=1e-4)


def test_reverse_reads_the_real_tokens_backwards():
    forward = _encoder(reverse=False)
    backward = _encoder(reverse=True)
    backward.set_weights(forward.get_weights())
    h, _ = _context(backward, [[3, 7, 5, 0, 0], [8, 9, 0, 0, 0]])
    expected, _ = _context(forward, [[5, 7, 3, 0, 0], [9, 8, 0, 0, 0]])
    np.testing.assert_allclose(h, expected, atol=1e-6)
    assert not np.allclose(h, _context(forward, [[3, 7, 5, 0, 0], [8, 9, 0, 0, 0]])[0], atol=1e-4)


@pytest.mark.parametrize("reverse", [False, True])
def test_feature_inputs_mask_all_zero_steps(reverse):
    encoder = _encoder(reverse, vocabulary_size=None)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(1, 3, 3)).astype("float32")
    padded = np.concatenate([features, np.zeros((1, 2, 3), "float32")], axis=1)
    np.testing.assert_allclose(_context(encoder, padded)[0], _context(encoder, features)[0], atol=1e-6)
    if reverse:
        forward = _encoder(False, vocabulary_size=None)
        forward.set_weights(encoder.get_weights())
        np.testing.assert_allclose(
            _context(encoder, padded)[0], _context(forward, features[:, ::-1])[0], atol=1e-6
        )


def test_sequence_output_and_mask_shapes():
    encoder = _encoder(reverse=True, num_layers=2)
    source = np.array([[3, 7, 0], [4, 5, 6]], "int32")
    sequence, (h, c) = encoder(source)
    assert tuple(sequence.shape) == (2, 3, 6)
    np.testing.assert_allclose(np.asarray(sequence)[:, -1], np.asarray(h), atol=1e-6)  # carried over padding
    mask, _ = encoder.compute_mask(source)
    assert np.asarray(mask).tolist() == [[True, True, False], [True, True, True]]


def test_config_round_trip():
    encoder = _encoder(reverse=True, num_layers=2)
    clone = TextEncoder.from_config(encoder.get_config())
    clone(np.array([[4, 5]], "int32"))
    clone.set_weights(encoder.get_weights())
    assert (clone.reverse, clone.num_layers, len(clone.lstms)) == (True, 2, 2)
    source = np.array([[3, 7, 5, 0]], "int32")
    np.testing.assert_allclose(_context(clone, source)[0], _context(encoder, source)[0], atol=1e-6)
