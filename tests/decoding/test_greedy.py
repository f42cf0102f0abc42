"""`greedy_search` on a fake step function, and greedy decoding of a trained tiny model."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_seq2seq.data import encode_pairs
from keras_seq2seq.decoding import greedy_search
from keras_seq2seq.metrics import ExactMatch

START, END = 0, 1
VOCABULARY = 6


def _table_step(table, calls=None):
    """A step whose logits depend on (row, time): `table` is [batch, steps, vocabulary] of log-probs.

    The state is the time index, so the fake model needs no weights.
    """
    table = tf.constant(table, tf.float32)

    def step(tokens, t):
        if calls is not None:
            calls.append(1)
        return tf.gather(table, t, axis=1), t + 1

    return step


def _log_probs(choices, rng):
    """Random log-probabilities whose argmax at [row, t] is choices[row][t]."""
    choices = np.asarray(choices)
    logits = rng.normal(size=(*choices.shape, VOCABULARY)).astype("float32")
    rows, steps = np.indices(choices.shape)
    logits[rows, steps, choices] = logits.max(axis=-1) + rng.uniform(0.5, 2.0, size=choices.shape)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


def test_stops_each_row_at_the_end_id_and_pads_with_zero():
    rng = np.random.default_rng(0)
    choices = [
        [2, 3, END, 4, 5, 2],  # ends at step 2, then the model would go on
        [END, 2, 2, 2, 2, 2],  # ends at once
        [4, 4, 4, 4, END, 3],  # ends at step 4
    ]
    log_probs = _log_probs(choices, rng)
    calls = []
    ids, scores = greedy_search(
        _table_step(log_probs, calls), tf.constant(0), batch_size=3, start_id=START, end_id=END, max_length=6
    )
    assert ops.convert_to_numpy(ids).tolist() == [
        [2, 3, END, 0, 0, 0],
        [END, 0, 0, 0, 0, 0],
        [4, 4, 4, 4, END, 0],
    ]
    expected = [
        log_probs[row, np.arange(length), np.asarray(choices[row][:length])].sum()
        for row, length in enumerate([3, 1, 5])
    ]
    np.testing.assert_allclose(ops.convert_to_numpy(scores), expected, rtol=1e-5)
    assert len(calls) == 5  # stops once every row is done, not at max_length


def test_respects_max_length_when_a_row_never_ends():
    rng = np.random.default_rng(1)
    choices = [[2, 3, 4, 5, 2, 3, 4, 5], [3, END, 2, 2, 2, 2, 2, 2]]
    log_probs = _log_probs(choices, rng)
    ids, scores = greedy_search(
        _table_step(log_probs), tf.constant(0), batch_size=2, start_id=START, end_id=END, max_length=4
    )
    assert ops.convert_to_numpy(ids).tolist() == [[2, 3, 4, 5], [3, END, 0, 0]]
    expected_first = log_probs[0, np.arange(4), [2, 3, 4, 5]].sum()
    np.testing.assert_allclose(ops.convert_to_numpy(scores)[0], expected_first, rtol=1e-5)


def test_feeds_the_previous_token_back_and_starts_from_start_id():
    # A bigram "model": the next token is (previous + 1) mod 5, or END after token 4.
    transitions = np.full((VOCABULARY, VOCABULARY), -10.0, "float32")
    for previous in range(VOCABULARY):
        transitions[previous, END if previous == 4 else (previous + 1) % 5] = 0.0
    seen = []

    def step(tokens, state):
        seen.append(ops.convert_to_numpy(tokens).tolist())
        return ops.take(transitions, tokens, axis=0), state

    ids, _ = greedy_search(step, (), batch_size=1, start_id=2, end_id=END, max_length=5)
    assert ops.convert_to_numpy(ids).tolist() == [[3, 4, END, 0, 0]]
    assert seen == [[2], [3], [4]]


def test_runs_inside_a_tf_function_with_unknown_batch_size():
    rng = np.random.default_rng(2)
    log_probs = _log_probs([[3, END, 2], [END, 2, 2]], rng)

    @tf.function(input_signature=[tf.TensorSpec([None, 3, VOCABULARY], tf.float32)])
    def decode(table):
        step = lambda tokens, t: (tf.gather(table, t, axis=1), t + 1)  # noqa: E731
        return greedy_search(step, tf.constant(0), tf.shape(table)[0], START, END, max_length=3)

    ids, scores = decode(tf.constant(log_probs))
    assert ids.numpy().tolist() == [[3, END, 0], [END, 0, 0]]
    assert (scores.numpy() < 0).all()


# === On the trained tiny model ===


def test_greedy_output_is_the_argmax_of_teacher_forced_logits(trained_model, reverse_pairs):
    sources, _ = reverse_pairs
    model = trained_model
    source_ids = model.tokenizer.encode(sources, model.max_source_length)
    ids, scores = model.decode_ids(tf.constant(source_ids))
    ids = ops.convert_to_numpy(ids)
    assert ids.shape == (len(sources), model.max_target_length + 1)
    # Teacher-force the greedy output itself: start id, then greedy tokens up to (not incl.) the end.
    decoder_ids = np.concatenate([np.full((len(sources), 1), 2, "int32"), ids[:, :-1]], axis=1)
    decoder_ids[decoder_ids == 3] = 0
    decoder_ids *= np.cumprod(decoder_ids != 0, axis=1).astype("int32")
    logits = ops.convert_to_numpy(model({"source_ids": source_ids, "decoder_ids": decoder_ids}))
    real = ids != 0
    np.testing.assert_array_equal(logits.argmax(-1)[real], ids[real])
    # The scores are the summed log-probabilities of the chosen tokens.
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    chosen = np.take_along_axis(log_probs, ids[:, :, None], axis=-1)[:, :, 0]
    np.testing.assert_allclose(ops.convert_to_numpy(scores), (chosen * real).sum(-1), atol=1e-4)


def test_teacher_forced_exact_match_equals_greedy_exact_match(trained_model, reverse_pairs):
    model = trained_model
    sources, targets = reverse_pairs
    rng = np.random.default_rng(0)
    # Corrupt one character of every third target, so that the exact match is neither 0 nor 1.
    corrupted = list(targets)
    for index in range(0, len(targets), 3):
        text = list(corrupted[index])
        position = rng.integers(len(text))
        text[position] = "abcd"[("abcd".index(text[position]) + 1) % 4]
        corrupted[index] = "".join(text)
    x, y = encode_pairs(model.tokenizer, sources, corrupted, model.max_source_length, model.max_target_length)
    metric = ExactMatch()
    metric.update_state(y, model(x))
    answers = model.generate(sources)
    greedy = np.mean([answer == target for answer, target in zip(answers, corrupted)])
    assert 0.5 < greedy < 0.8
    assert float(metric.result()) == pytest.approx(greedy, abs=1e-6)
    # And model.evaluate reports the same number.
    assert model.evaluate(x, y, verbose=0, return_dict=True)["exact_match"] == pytest.approx(greedy, abs=1e-6)
