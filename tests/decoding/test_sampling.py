"""`sample` and `filter_logits` on fake step functions: the cuts, the distribution drawn, the seed, export."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_seq2seq.decoding import greedy_search, sample
from keras_seq2seq.decoding.sampling import filter_logits

START, END = 0, 1


def _reference_filter(logits, temperature, top_k, top_p):
    """The cuts written plainly in NumPy, one row at a time."""
    logits = logits.astype("float64") / temperature
    out = np.full_like(logits, -np.inf)
    for row, values in enumerate(logits):
        kept = np.ones(len(values), bool)
        if top_k is not None:
            kept &= values >= np.sort(values)[::-1][min(top_k, len(values)) - 1]
        if top_p is not None:
            probs = np.where(kept, np.exp(values - values.max()), 0.0)
            probs /= probs.sum()
            order = np.argsort(-probs, kind="stable")
            needed = np.searchsorted(np.cumsum(probs[order]), top_p) + 1  # tokens to reach top_p
            kept &= values >= values[order[needed - 1]]
        out[row, kept] = values[kept]
    return out


def _constant_step(log_probs):
    """Every row gets the same distribution at every step."""
    log_probs = tf.constant(log_probs, tf.float32)
    return lambda tokens, state: (tf.tile(log_probs[None], [tf.shape(tokens)[0], 1]), state)


def _table_step(seed, vocabulary=5, max_length=4):
    """Logits that depend on the step and the previous token: `table[t, previous token]`.

    The padding id 0 (also the start id here) is unlikely, as in a trained model, so greedy search never takes it.
    """
    table = np.random.default_rng(seed).normal(size=(max_length, vocabulary, vocabulary))
    table[..., 0] -= 10.0
    table = tf.constant(table, tf.float32)

    def step(tokens, t):
        return tf.gather_nd(table, tf.stack([tf.fill(tf.shape(tokens), t), tokens], axis=-1)), t + 1

    return step, table.numpy()


@pytest.mark.parametrize(
    "temperature, top_k, top_p",
    [(1.0, None, None), (0.5, 3, None), (2.0, None, 0.6), (1.0, 4, 0.9), (0.7, 10, 0.3), (1.3, 1, 0.99)],
)
def test_filter_logits_equals_a_plain_reference(temperature, top_k, top_p):
    logits = np.random.default_rng(0).normal(size=(50, 7)).astype("float32") * 2
    got = ops.convert_to_numpy(filter_logits(logits, temperature, top_k, top_p))
    expected = _reference_filter(logits, temperature, top_k, top_p)
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
    np.testing.assert_allclose(got[np.isfinite(got)], expected[np.isfinite(expected)], rtol=1e-5)
    if top_k is not None:
        assert (np.isfinite(got).sum(-1) <= top_k).all()


@pytest.mark.parametrize("temperature, top_k, top_p", [(1.0, None, None), (0.5, 3, None), (2.0, None, 0.7)])
def test_draws_follow_the_tempered_and_cut_distribution(temperature, top_k, top_p):
    log_probs = np.log([1e-12, 0.1, 0.4, 0.25, 0.15, 0.1])  # the padding id 0 is never drawn
    rows = 6000
    ids, _ = sample(_constant_step(log_probs), (), rows, START, END, 1, seed=3,
                    temperature=temperature, top_k=top_k, top_p=top_p)  # fmt: skip
    counts = np.bincount(ops.convert_to_numpy(ids)[:, 0], minlength=6) / rows
    expected = ops.convert_to_numpy(ops.softmax(filter_logits(log_probs[None], temperature, top_k, top_p)))[0]
    np.testing.assert_allclose(counts, expected, atol=0.02)
    assert (counts[expected == 0] == 0).all()


def test_never_draws_the_padding_the_start_or_the_ids_it_is_told():
    start = 2
    log_probs = np.log([0.2, 0.1, 0.2, 0.2, 0.3])  # padding 0, end 1, start 2, token 3, unknown 4
    ids, _ = sample(_constant_step(log_probs), (), 500, start, END, 3, seed=0, temperature=3.0, never_drawn=(4,))
    ids = ops.convert_to_numpy(ids)
    assert set(np.unique(ids)) == {0, END, 3}  # 0 only after the end
    assert ((ids == 0) <= (np.cumsum(ids == END, axis=1) > 0)).all()


def test_the_same_seed_gives_the_same_answers_and_another_seed_others():
    step, _ = _table_step(1)
    t0 = tf.constant(0)

    def draw(seed):
        ids, scores = sample(step, t0, 40, START, END, 4, seed=seed, temperature=1.5)
        return ops.convert_to_numpy(ids), ops.convert_to_numpy(scores)

    first, again = draw(5), draw(5)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert (first[0] != draw(6)[0]).any()
    assert (first[0] != draw([5, 1])[0]).any()  # the second half of a seed pair counts too
    np.testing.assert_array_equal(first[0], draw([5, 0])[0])  # an int seed s is the pair [s, 0]
    assert len({tuple(row) for row in first[0]}) > 10  # rows of one batch are drawn independently


def test_top_k_one_is_greedy_search():
    step, _ = _table_step(2)
    greedy_ids, greedy_scores = greedy_search(step, tf.constant(0), 3, START, END, 4)
    ids, scores = sample(step, tf.constant(0), 3, START, END, 4, seed=0, temperature=3.0, top_k=1)
    np.testing.assert_array_equal(ops.convert_to_numpy(ids), ops.convert_to_numpy(greedy_ids))
    np.testing.assert_allclose(ops.convert_to_numpy(scores), ops.convert_to_numpy(greedy_scores), rtol=1e-6)


def test_scores_are_the_models_log_probs_and_rows_stop_at_the_end():
    step, table = _table_step(3, vocabulary=4, max_length=5)
    ids, scores = sample(step, tf.constant(0), 200, START, END, 5, seed=9, temperature=2.0, top_p=0.9)
    ids, scores = ops.convert_to_numpy(ids), ops.convert_to_numpy(scores)
    log_probs = table - np.log(np.exp(table).sum(-1, keepdims=True))  # temperature 1, nothing cut
    ended = 0
    for row, score in zip(ids, scores):
        expected, previous = 0.0, START
        for t, token in enumerate(row):
            expected += log_probs[t, previous, token]
            if token == END:
                assert (row[t + 1 :] == 0).all()
                ended += 1
                break
            previous = token
        np.testing.assert_allclose(score, expected, rtol=1e-4)
    assert 0 < ended < len(ids)  # both cases are seen


def test_traces_with_a_seed_argument_and_exports_with_stock_ops(tmp_path):
    from keras_seq2seq.export.op_check import check_stock_serving_ops

    step, _ = _table_step(4)

    def decode(batch_size, seed):
        return sample(step, tf.constant(0), batch_size, START, END, 4, seed, temperature=0.8, top_k=3, top_p=0.9)

    module = tf.Module()
    module.decode = tf.function(decode, input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.int64)])
    tf.saved_model.save(module, str(tmp_path / "sampling"))
    check_stock_serving_ops(tmp_path / "sampling")
    loaded = tf.saved_model.load(str(tmp_path / "sampling"))
    traces = []
    for seed in ([3, 0], [4, 2]):
        eager_ids, eager_scores = decode(16, tf.constant(seed, tf.int64))
        for decoded in (module.decode, loaded.decode):
            ids, scores = decoded(tf.constant(16), tf.constant(seed, tf.int64))
            np.testing.assert_array_equal(ids.numpy(), eager_ids.numpy())
            np.testing.assert_allclose(scores.numpy(), eager_scores.numpy(), rtol=1e-6)
        traces.append(module.decode.experimental_get_tracing_count())
    assert traces[0] == traces[1]  # a new seed does not retrace
