"""bench/textbook_numpy.py, the NumPy baseline of the textbook race, computes true gradients and learns."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).parents[1] / "bench" / "textbook_numpy.py"


@pytest.fixture(scope="module")
def textbook():
    spec = importlib.util.spec_from_file_location("textbook_numpy", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


START_ID = 1


def tiny_batch(seed=0, vocabulary_size=7, batch=3, source_steps=4, target_steps=3):
    """`(source, decoder_in, targets)`: teacher forcing, the decoder reading the start id then the targets."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, vocabulary_size, (batch, source_steps))
    targets = rng.integers(0, vocabulary_size, (batch, target_steps))
    decoder_in = np.concatenate((np.full((batch, 1), START_ID), targets[:, :-1]), axis=1)
    return source, decoder_in, targets


def test_backward_matches_finite_differences_for_every_parameter(textbook):
    model = textbook.PeekySeq2Seq(vocabulary_size=7, embedding_dim=3, hidden_dim=5, seed=1, dtype=np.float64)
    batch = tiny_batch()
    model.loss(*batch)
    model.backward()
    rng = np.random.default_rng(2)
    for index, (param, grad) in enumerate(zip(model.params, model.grads)):
        for flat in rng.choice(param.size, size=min(param.size, 6), replace=False):
            position = np.unravel_index(flat, param.shape)
            saved = param[position]
            param[position] = saved + 1e-6
            above = model.loss(*batch)
            param[position] = saved - 1e-6
            below = model.loss(*batch)
            param[position] = saved
            numeric = (above - below) / 2e-6
            assert grad[position] == pytest.approx(numeric, rel=1e-4, abs=1e-8), (index, position)


def test_adam_with_clipping_learns_a_small_batch_by_heart_and_greedy_decoding_answers_it(textbook):
    model = textbook.PeekySeq2Seq(vocabulary_size=7, embedding_dim=8, hidden_dim=16, seed=0)
    optimizer = textbook.Adam(learning_rate=0.01)
    batch = tiny_batch(batch=8)
    losses = []
    for _ in range(150):
        losses.append(model.loss(*batch))
        model.backward()
        textbook.clip_by_global_norm(model.grads)
        optimizer.update(model.params, model.grads)
    assert losses[-1] < 0.1 * losses[0]
    assert model.params[0].dtype == np.float32
    # Greedy decoding feeds its own answers back, as teacher forcing fed the targets: learned, they agree.
    np.testing.assert_array_equal(model.generate(batch[0], start_id=START_ID, steps=3), batch[2])


def test_global_norm_clipping_scales_all_gradients_alike(textbook):
    grads = [np.full(4, 3.0, np.float32), np.full(9, 4.0, np.float32)]  # norm sqrt(36 + 144) = 13.4
    textbook.clip_by_global_norm(grads, max_norm=5.0)
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    assert norm == pytest.approx(5.0, rel=1e-5)
    assert grads[1][0] / grads[0][0] == pytest.approx(4 / 3)
