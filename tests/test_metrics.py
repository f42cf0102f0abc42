"""The masked loss and metrics count real target tokens only."""

import numpy as np
import pytest

from keras_seq2seq.metrics import ExactMatch, MaskedAccuracy, masked_loss


def _numpy_cross_entropy(y, logits):
    """Mean cross-entropy over the real (non-zero) target tokens only, by hand."""
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    real = y != 0
    picked = np.take_along_axis(log_probs, y[..., None], axis=-1)[..., 0]
    return -picked[real].mean()


def test_masked_loss_equals_cross_entropy_over_real_tokens_only():
    rng = np.random.default_rng(0)
    y = np.array([[5, 6, 3, 0, 0], [4, 3, 0, 0, 0], [7, 7, 7, 7, 3]], "int32")
    logits = rng.normal(size=(3, 5, 8)).astype("float32") * 3
    expected = _numpy_cross_entropy(y, logits)
    assert float(masked_loss()(y, logits)) == pytest.approx(expected, rel=1e-5)
    # Not the mean over all positions: padding would pull it elsewhere.
    assert not np.isclose(expected, -np.mean(np.take_along_axis(logits, y[..., None], -1)), rtol=1e-3)


def test_masked_loss_ignores_whatever_the_logits_say_at_padding():
    rng = np.random.default_rng(1)
    y = np.array([[5, 3, 0, 0]], "int32")
    logits = rng.normal(size=(1, 4, 8)).astype("float32")
    noisy = logits.copy()
    noisy[:, 2:] = rng.normal(size=(1, 2, 8)) * 100
    assert float(masked_loss()(y, noisy)) == pytest.approx(float(masked_loss()(y, logits)), rel=1e-6)
    # Equal to the loss of the unpadded sequence.
    assert float(masked_loss()(y[:, :2], logits[:, :2])) == pytest.approx(float(masked_loss()(y, logits)), rel=1e-6)


def _one_hot_logits(predicted, vocabulary=8):
    predicted = np.asarray(predicted)
    logits = np.zeros((*predicted.shape, vocabulary), "float32")
    np.put_along_axis(logits, predicted[..., None], 5.0, axis=-1)
    return logits


def test_masked_accuracy_counts_real_tokens_only():
    y = np.array([[5, 6, 3, 0], [4, 3, 0, 0]], "int32")
    predicted = [[5, 7, 3, 1], [4, 4, 2, 2]]  # 2/3 right, 1/2 right; padding predictions are wrong
    metric = MaskedAccuracy()
    metric.update_state(y, _one_hot_logits(predicted))
    assert float(metric.result()) == pytest.approx(3 / 5)


def test_exact_match_needs_every_real_token_right():
    y = np.array([[5, 6, 3, 0], [4, 3, 0, 0], [7, 3, 0, 0]], "int32")
    predicted = [[5, 6, 3, 1], [4, 3, 4, 4], [7, 4, 0, 0]]  # right, right, wrong end token
    metric = ExactMatch()
    metric.update_state(y, _one_hot_logits(predicted))
    assert float(metric.result()) == pytest.approx(2 / 3)
    metric.update_state(y[:1], _one_hot_logits([[1, 6, 3, 0]]))  # accumulates over batches
    assert float(metric.result()) == pytest.approx(2 / 4)
