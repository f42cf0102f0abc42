"""`beam_search` on fake step functions: greedy at width 1, exhaustive search when wide, batching, state."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_seq2seq.decoding import beam_search, beam_search_n_best, greedy_search

START, END = 0, 1


class FakeModel:
    """Logits `table[row, t, code] + bias[row]`, where `code` hashes every token fed so far.

    The state holds per-row constants (`row`, `bias`) and a hidden recurrent part
    (`code`, `t`), so the logits depend on the whole history, and they come out wrong
    if the search reorders the state differently from the tokens. `log_probs` replays
    the same function in NumPy for the exhaustive search.
    """

    def __init__(self, seed, rows, vocabulary, max_length, codes=31, end_bias=0.0):
        rng = np.random.default_rng(seed)
        self.vocabulary, self.codes = vocabulary, codes
        self.table = rng.normal(size=(rows, max_length, codes, vocabulary)).astype("float32")
        self.table[..., END] += end_bias
        self.bias = rng.normal(size=(rows, vocabulary)).astype("float32")

    def state(self, rows):
        rows = np.asarray(rows, "int32")
        return {
            "const": {"row": tf.constant(rows), "bias": tf.constant(self.bias[rows])},
            "recurrent": {"code": tf.zeros([len(rows)], tf.int32), "t": tf.zeros([len(rows)], tf.int32)},
        }

    def step(self, calls=None, check=None):
        table = tf.constant(self.table)

        def step(tokens, state):
            if calls is not None:
                calls.append(1)
            if check is not None:
                check(tokens, state)
            row, bias = state["const"]["row"], state["const"]["bias"]
            code = (state["recurrent"]["code"] * self.vocabulary + tokens + 1) % self.codes
            t = state["recurrent"]["t"]
            logits = tf.gather_nd(table, tf.stack([row, t, code], axis=-1)) + bias
            return logits, {**state, "recurrent": {"code": code, "t": t + 1}}

        return step

    def log_probs(self, row, fed):
        code = 0
        for token in fed:
            code = (code * self.vocabulary + token + 1) % self.codes
        logits = (self.table[row, len(fed) - 1, code] + self.bias[row]).astype("float64")
        return logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max()

    def score(self, row, ids):
        """The summed log-probability of `ids` (up to and including the end id)."""
        total, fed = 0.0, [START]
        for token in ids:
            total += self.log_probs(row, fed)[token]
            if token == END:
                break
            fed.append(token)
        return total


def _penalty(length, alpha):
    return ((5.0 + length) / 6.0) ** alpha


def _exhaustive(model, row, max_length, alpha):
    """Every hypothesis (ends with the end id, or has max_length tokens), best first: (rank, ids, score)."""
    found = []

    def visit(sequence, score):
        if sequence and (sequence[-1] == END or len(sequence) == max_length):
            padded = sequence + [0] * (max_length - len(sequence))
            found.append((score / _penalty(len(sequence), alpha), padded, score))
            return
        log_probs = model.log_probs(row, [START] + sequence)
        for token in range(model.vocabulary):
            visit(sequence + [token], score + log_probs[token])

    visit([], 0.0)
    return sorted(found, key=lambda hypothesis: -hypothesis[0])


def _decode(step, state, batch_size, max_length, **kwargs):
    ids, scores = beam_search(step, state, batch_size, START, END, max_length, **kwargs)
    return ops.convert_to_numpy(ids), ops.convert_to_numpy(scores)


def _bigram_step(probs, calls=None):
    """A step whose next-token distribution depends on the previous token only."""
    log_probs = np.log(np.asarray(probs, "float32") / np.sum(probs, axis=-1, keepdims=True))

    def step(tokens, state):
        if calls is not None:
            calls.append(1)
        return ops.take(log_probs, tokens, axis=0), state

    return step


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_width_one_is_greedy_search(seed):
    model = FakeModel(seed, rows=4, vocabulary=6, max_length=6, end_bias=1.0)
    greedy_ids, greedy_scores = greedy_search(model.step(), model.state(range(4)), 4, START, END, 6)
    ids, scores = _decode(model.step(), model.state(range(4)), 4, 6, beam_width=1)
    np.testing.assert_array_equal(ids, ops.convert_to_numpy(greedy_ids))
    np.testing.assert_array_equal(scores, ops.convert_to_numpy(greedy_scores))
    # The length penalty cannot change anything with one beam.
    ids, scores = _decode(model.step(), model.state(range(4)), 4, 6, beam_width=1, length_penalty=1.0)
    np.testing.assert_array_equal(ids, ops.convert_to_numpy(greedy_ids))


@pytest.mark.parametrize(
    "vocabulary, max_length, alpha, seed",
    [(3, 4, 0.0, 0), (4, 3, 0.0, 1), (3, 4, 1.0, 2), (4, 3, 0.6, 3), (4, 4, 2.0, 4)],
)
def test_a_beam_wide_enough_for_every_hypothesis_finds_the_exhaustive_best(vocabulary, max_length, alpha, seed):
    rows = 3
    model = FakeModel(seed, rows, vocabulary, max_length, end_bias=0.5)
    # vocabulary ** max_length beams hold every hypothesis, so nothing is ever pruned.
    ids, scores = _decode(
        model.step(), model.state(range(rows)), rows, max_length,
        beam_width=vocabulary**max_length, length_penalty=alpha,
    )  # fmt: skip
    for row in range(rows):
        (best_rank, best_ids, best_score), (second_rank, *_) = _exhaustive(model, row, max_length, alpha)[:2]
        assert best_rank - second_rank > 1e-4  # the seed gives a clear winner
        assert ids[row].tolist() == best_ids
        np.testing.assert_allclose(scores[row], best_score, rtol=1e-5)


def test_finds_a_better_sequence_than_greedy():
    # 0 start, 1 end, 2, 3. Greedy: 2 (0.5), then the end (0.34) = 0.17. Best: 3 (0.4), end (0.9) = 0.36.
    probs = np.full((4, 4), 1e-4)
    probs[0, 1:], probs[2, 1:], probs[3, 1:] = [0.1, 0.5, 0.4], [0.34, 0.33, 0.33], [0.9, 0.05, 0.05]
    greedy_ids, greedy_scores = greedy_search(_bigram_step(probs), (), 1, START, END, 4)
    assert ops.convert_to_numpy(greedy_ids).tolist() == [[2, END, 0, 0]]
    ids, scores = _decode(_bigram_step(probs), (), 1, 4, beam_width=2)
    assert ids.tolist() == [[3, END, 0, 0]]
    np.testing.assert_allclose(np.exp(scores), [0.9 * 0.4], rtol=1e-3)
    assert scores[0] > ops.convert_to_numpy(greedy_scores)[0]


def test_length_penalty_prefers_longer_hypotheses():
    # [END] has 0.4, [2, END] 0.6 * 0.55 = 0.33, [2, 2, END] 0.6 * 0.45 * 0.55 = 0.15.
    probs = np.full((4, 4), 1e-6)
    probs[0, [END, 2]] = [0.4, 0.6]
    probs[2, [END, 2]] = [0.55, 0.45]
    ids, scores = _decode(_bigram_step(probs), (), 1, 3, beam_width=2)
    assert ids.tolist() == [[END, 0, 0]]
    np.testing.assert_allclose(np.exp(scores), [0.4], rtol=1e-3)
    # log(0.33) / (7/6)**2 = -0.81 beats log(0.4) / 1 = -0.92 and log(0.15) / (8/6)**2 = -1.07.
    ids, scores = _decode(_bigram_step(probs), (), 1, 3, beam_width=2, length_penalty=2.0)
    assert ids.tolist() == [[2, END, 0]]
    np.testing.assert_allclose(np.exp(scores), [0.33], rtol=1e-3)  # the score has no penalty in it


def test_rows_of_a_batch_are_independent():
    model = FakeModel(5, rows=3, vocabulary=5, max_length=5, end_bias=0.5)
    ids, scores = _decode(model.step(), model.state([0, 1, 2]), 3, 5, beam_width=3, length_penalty=0.6)
    for row in range(3):
        row_ids, row_scores = _decode(model.step(), model.state([row]), 1, 5, beam_width=3, length_penalty=0.6)
        np.testing.assert_array_equal(ids[row], row_ids[0])
        np.testing.assert_allclose(scores[row], row_scores[0], rtol=1e-6)


def test_reorders_a_nested_state_with_per_row_constants():
    rows, beams, max_length = [2, 0, 1], 4, 6  # the rows of the table come in another order
    model = FakeModel(6, rows=3, vocabulary=5, max_length=max_length, end_bias=-0.5)
    state = model.state(rows)
    state["shared"] = tf.constant(7.0)  # rank 0: neither tiled nor reordered
    state["recurrent"]["history"] = (tf.zeros([3, max_length], tf.int32),)  # a tuple inside a dict
    fed = []  # per call: what each beam has been fed so far, by its state's history and this call's tokens

    def check(tokens, state):
        # Beam j of the flattened batch belongs to row j // beams, and keeps that row's constants.
        expected_rows = np.repeat(rows, beams)
        np.testing.assert_array_equal(state["const"]["row"].numpy(), expected_rows)
        np.testing.assert_array_equal(state["const"]["bias"].numpy(), model.bias[expected_rows])
        assert float(state["shared"]) == 7.0 and state["shared"].shape == ()
        (history,) = state["recurrent"]["history"]
        assert history.shape == (3 * beams, max_length)
        t = len(fed)
        fed.append([history.numpy()[j, :t].tolist() + [int(tokens[j])] for j in range(3 * beams)])

    base_step = model.step(check=check)

    def step(tokens, state):
        logits, new_state = base_step(tokens, state)
        # Every beam's state records what the beam was fed.
        (history,) = state["recurrent"]["history"]
        t = state["recurrent"]["t"][:, None]
        history = tf.where(tf.range(max_length)[None, :] == t, tokens[:, None], history)
        new_state["recurrent"]["history"] = (history,)
        return logits, new_state

    ids, scores = _decode(step, state, 3, max_length, beam_width=beams, length_penalty=0.6)
    for position, row in enumerate(rows):
        answer = ids[position].tolist()
        length = answer.index(END) + 1 if END in answer else max_length
        # The beam that chose the last token was fed the answer's prefix, by its state and by its tokens.
        beams_of_row = fed[length - 1][position * beams : (position + 1) * beams]
        assert [START] + answer[: length - 1] in beams_of_row
        # The score is the replay of the answer: the hidden code followed the beams.
        np.testing.assert_allclose(scores[position], model.score(row, answer), rtol=1e-5)
        single_ids, _ = _decode(model.step(), model.state([row]), 1, max_length, beam_width=beams, length_penalty=0.6)
        np.testing.assert_array_equal(ids[position], single_ids[0])


def test_the_length_penalty_also_decides_which_beams_survive():
    # 0 start, 1 end, 2 a, 3 b. [END] 0.4; [a, a] 0.33 and [a, b] 0.27; [a, b, END] 0.27; [a, a, a] 0.18.
    probs = np.full((4, 4), 1e-6)
    probs[0, [END, 2]] = [0.4, 0.6]
    probs[2, [2, 3]] = [0.55, 0.45]
    probs[3, END] = 0.99
    # Ranked by log-prob, [END] would push [a, b] out of 2 beams at step 2; ranked with alpha=3,
    # log(0.27) / (7/6)**3 = -0.82 beats log(0.4) = -0.92, so [a, b] survives and ends best.
    ids, scores = _decode(_bigram_step(probs), (), 1, 3, beam_width=2, length_penalty=3.0)
    assert ids.tolist() == [[2, 3, END]]
    np.testing.assert_allclose(np.exp(scores), [0.6 * 0.45], rtol=1e-3)


def test_finished_beams_emit_padding_and_keep_their_score():
    # After the end, the model would go on saying 2; the answer must not pick that up.
    probs = np.full((4, 4), 1e-3)
    probs[0, [END, 2, 3]] = [0.5, 0.3, 0.2]
    probs[2, [END, 3]] = [0.3, 0.7]
    probs[3, [END, 2]] = [0.6, 0.4]
    probs[END, 2] = 1.0
    ids, scores = _decode(_bigram_step(probs), (), 1, 4, beam_width=3)
    assert ids.tolist() == [[END, 0, 0, 0]]
    normalized = probs / probs.sum(-1, keepdims=True)
    np.testing.assert_allclose(scores, np.log(normalized[0, [END]]), rtol=1e-5)


def test_stops_when_the_best_finished_hypothesis_cannot_be_beaten():
    # [END] has 0.9 at once; everything else starts at 0.1 and never ends. Only one step is needed.
    probs = np.full((4, 4), 1e-6)
    probs[0, [END, 2]] = [0.9, 0.1]
    probs[2, [2, 3]] = probs[3, [2, 3]] = [0.5, 0.5]
    calls = []
    ids, scores = _decode(_bigram_step(probs, calls), (), 1, 20, beam_width=2)
    assert ids.tolist() == [[END] + [0] * 19]
    assert len(calls) == 1  # the unfinished beam [2] is still in the beam, but cannot win any more


def test_an_unfinished_beam_that_ties_after_an_early_stop_is_not_returned():
    # With end id 3, [2] and [3] both have 0.5: the search stops at once, [2] ranks first but is unfinished.
    probs = np.full((4, 4), 1e-6)
    probs[0, [2, 3]] = [0.5, 0.5]
    probs[2, 2] = 1.0
    calls = []
    ids, scores = beam_search(_bigram_step(probs, calls), (), 1, START, 3, max_length=5, beam_width=2)
    assert ops.convert_to_numpy(ids).tolist() == [[3, 0, 0, 0, 0]]
    assert len(calls) == 1


def test_stops_once_every_row_is_done_even_with_a_large_max_length():
    model = FakeModel(7, rows=3, vocabulary=5, max_length=4)
    model.table[:, 2:, :, END] += 30.0  # the third token is the end, for every beam
    calls = []
    ids, scores = _decode(model.step(calls), model.state(range(3)), 3, 50, beam_width=3)
    assert len(calls) <= 3
    assert (ids[:, 3:] == 0).all()
    assert ((ids == END).sum(axis=1) == 1).all()


def test_traces_in_a_tf_function_with_unknown_batch_size_and_exports(tmp_path):
    from keras_seq2seq.export.op_check import check_stock_serving_ops

    vocabulary, max_length = 5, 4
    rng = np.random.default_rng(8)
    table = rng.normal(size=(3, max_length, vocabulary, vocabulary)).astype("float32")

    def decode(table):
        # Per-row constant: each row's own [steps, previous token, vocabulary] table.
        def step(tokens, state):
            rows = tf.range(tf.shape(tokens)[0])
            logits = tf.gather_nd(state["table"], tf.stack([rows, state["t"], tokens], axis=-1))
            return logits, {"table": state["table"], "t": state["t"] + 1}

        batch = tf.shape(table)[0]
        state = {"table": table, "t": tf.zeros([batch], tf.int32)}
        return beam_search(step, state, batch, START, END, max_length, beam_width=3, length_penalty=0.6)

    traced = tf.function(decode, input_signature=[tf.TensorSpec([None, max_length, vocabulary, vocabulary])])
    eager_ids, eager_scores = decode(tf.constant(table))
    for batch in (3, 1):
        ids, scores = traced(tf.constant(table[:batch]))
        np.testing.assert_array_equal(ids.numpy(), eager_ids.numpy()[:batch])
        np.testing.assert_allclose(scores.numpy(), eager_scores.numpy()[:batch], rtol=1e-5)

    module = tf.Module()
    module.decode = traced
    tf.saved_model.save(module, str(tmp_path / "beam"))
    check_stock_serving_ops(tmp_path / "beam")
    ids, _ = tf.saved_model.load(str(tmp_path / "beam")).decode(tf.constant(table[:2]))
    np.testing.assert_array_equal(ids.numpy(), eager_ids.numpy()[:2])


def test_exhaustive_helper_counts_every_hypothesis():
    # The reference enumerates sequences ending at the end id or at max_length, nothing else.
    model = FakeModel(9, rows=1, vocabulary=3, max_length=3)
    found = _exhaustive(model, 0, 3, 0.0)
    assert len(found) == 1 + 2 + 4 + 8  # [END], [x, END], [x, y, END] and the 8 unfinished [x, y, z]
    assert len({tuple(ids) for _, ids, _ in found}) == len(found)
    np.testing.assert_allclose(np.exp([score for _, _, score in found]).sum(), 1.0, rtol=1e-6)
    assert [rank for rank, _, _ in found] == sorted((rank for rank, _, _ in found), reverse=True)


# === n-best ===


def _decode_n_best(step, state, batch_size, max_length, n_best, **kwargs):
    outputs = beam_search_n_best(step, state, batch_size, START, END, max_length, n_best, **kwargs)
    return [ops.convert_to_numpy(x) for x in outputs]


@pytest.mark.parametrize(
    "vocabulary, max_length, alpha, n_best, seed",
    [(3, 4, 0.0, 5, 10), (4, 3, 0.0, 8, 11), (3, 4, 1.0, 6, 12), (4, 3, 0.6, 4, 13), (4, 4, 2.0, 10, 14)],
)
def test_n_best_of_a_beam_wide_enough_for_every_hypothesis_is_the_exhaustive_ranking(
    vocabulary, max_length, alpha, n_best, seed
):
    rows = 3
    model = FakeModel(seed, rows, vocabulary, max_length, end_bias=0.5)
    ids, scores, ranks = _decode_n_best(
        model.step(), model.state(range(rows)), rows, max_length, n_best,
        beam_width=vocabulary**max_length, length_penalty=alpha,
    )  # fmt: skip
    assert ids.shape == (rows, n_best, max_length) and scores.shape == ranks.shape == (rows, n_best)
    for row in range(rows):
        expected = _exhaustive(model, row, max_length, alpha)[: n_best + 1]
        expected_ranks = [rank for rank, _, _ in expected]
        assert min(np.diff(expected_ranks) * -1) > 1e-4  # no ties among the N + 1 best: one right order
        assert ids[row].tolist() == [hypothesis_ids for _, hypothesis_ids, _ in expected[:n_best]]
        np.testing.assert_allclose(scores[row], [score for _, _, score in expected[:n_best]], rtol=1e-5)
        np.testing.assert_allclose(ranks[row], expected_ranks[:n_best], rtol=1e-5)


def test_n_best_runs_until_the_nth_best_is_settled():
    # [END] has 0.6 at once, so beam_search stops after one step; the second best, [2, 3, END]
    # (0.4 * 0.95 * 0.9 = 0.34), is two steps further; [2, END] has 0.02, [2, 3, 3, END] 0.03.
    probs = np.full((4, 4), 1e-6)
    probs[0, [END, 2]] = [0.6, 0.4]
    probs[2, [END, 3]] = [0.05, 0.95]
    probs[3, [END, 3]] = [0.9, 0.1]
    calls = []
    ids, _ = _decode(_bigram_step(probs, calls), (), 1, 6, beam_width=3)
    assert ids.tolist() == [[END, 0, 0, 0, 0, 0]] and len(calls) == 1
    ids, scores, ranks = _decode_n_best(_bigram_step(probs), (), 1, 6, 2, beam_width=3)
    assert ids[0].tolist() == [[END, 0, 0, 0, 0, 0], [2, 3, END, 0, 0, 0]]
    normalized = probs / probs.sum(-1, keepdims=True)
    expected = np.log([normalized[0, END], normalized[0, 2] * normalized[2, 3] * normalized[3, END]])
    np.testing.assert_allclose(scores[0], expected, rtol=1e-4)
    np.testing.assert_allclose(ranks, scores)  # no length penalty: ranked by log-prob


def test_the_first_of_the_n_best_is_the_beam_search_answer():
    model = FakeModel(15, rows=4, vocabulary=6, max_length=6, end_bias=0.3)
    best_ids, best_scores = _decode(model.step(), model.state(range(4)), 4, 6, beam_width=4, length_penalty=0.8)
    ids, scores, ranks = _decode_n_best(
        model.step(), model.state(range(4)), 4, 6, 3, beam_width=4, length_penalty=0.8
    )
    np.testing.assert_array_equal(ids[:, 0], best_ids)
    np.testing.assert_allclose(scores[:, 0], best_scores, rtol=1e-6)
    assert (np.diff(ranks, axis=1) <= 0).all()
    lengths = np.where((ids == END).any(-1), (ids == END).argmax(-1) + 1, 6)
    np.testing.assert_allclose(ranks, scores / _penalty(lengths, 0.8), rtol=1e-5)
    assert len({tuple(hypothesis) for hypothesis in ids[0]}) == 3  # three different hypotheses


@pytest.mark.parametrize("n_best", [0, 5])
def test_n_best_must_be_between_one_and_the_beam_width(n_best):
    with pytest.raises(ValueError, match="num_return_sequences must be 1 to beam_width"):
        beam_search_n_best(_bigram_step(np.ones((4, 4))), (), 1, START, END, 3, n_best, beam_width=4)
