"""Batched beam search as one in-graph loop over a `step(tokens, state) -> (logits, state)` function.

Why not `keras_hub.samplers.BeamSampler` (keras-hub 0.32, `keras_hub/src/samplers/beam_sampler.py`):
it does tile a nested cache with `ops.repeat` and reorders it by parent beam, so a
dict state with per-row constants would survive, and its `next(prompt, cache, index)`
could wrap our `step`. But it has no notion of a finished hypothesis: a beam that has
produced the end id keeps being extended with whatever the model says next, those
tokens' log-probabilities keep being added to its score, and one finished beam can
spawn several children that push every other hypothesis out of the beam (checked:
with 2 beams, `[b, END]` came back twice, as `[b, END, a]` and `[b, END, b]`, with
the score of the extra token added). It has no length penalty, stops only when every
beam holds an end id, and returns no score for the single best beam. Fixing that
would mean rewriting its loop body, so this module writes the loop itself.

The search keeps `beam_width` hypotheses per row, finished and unfinished together
(as GNMT and `tfa.seq2seq.BeamSearchDecoder` do). A finished hypothesis has exactly
one continuation, the padding id 0, at log-probability 0: it keeps its score and
length and competes for its slot with the unfinished candidates. Candidates are
ranked by `log_prob / ((5 + length) / 6) ** length_penalty`, where `length` counts
the generated tokens, the end id included (`length_penalty=0` ranks by log-prob).

Early finish: a row is done when its best finished hypothesis (its N-th best, when
`beam_search_n_best` returns N) ranks at least as high as any unfinished beam of the
row could still reach. Log-probabilities only go down,
so an unfinished beam with log-prob `s` can reach at most `s / penalty(max_length)`;
a row whose beams have all finished is done too. The loop stops when every row is
done (or at `max_length`), so it returns what running to `max_length` would (up to
exact ties), without calling `step` for the steps that cannot change the answer.

The answers are the final beams ranked as above. A beam that reached `max_length`
without the end id is an answer too, of `max_length` tokens (as in GNMT and Hugging
Face's `generate`); after an early finish every answer returned has its end id.
`beam_search_n_best` returns the N best of them, best first, with their log-probs and
the ranking scores they were ranked by; `beam_search` returns the best one.
"""

from keras import ops
from keras import tree

# The log-probability of the beams that do not exist yet (all beams but the first, before
# the first step) and of the continuations a finished beam cannot take. Finite, so that
# sums and the length penalty never make a NaN.
_IMPOSSIBLE = -1e9


def ranking_score(log_probs, lengths, length_penalty):
    """GNMT's length-normalized score `log_probs / ((5 + lengths) / 6) ** length_penalty`.

    `lengths` counts the generated tokens, the end id included; with `length_penalty=0`
    it is `log_probs` itself. Hugging Face divides by `lengths ** length_penalty` instead.

    >>> float(ranking_score(-2.0, 7, 1.0))
    -1.0
    """
    if float(length_penalty) == 0.0:
        return ops.convert_to_tensor(log_probs, "float32")
    return log_probs / ops.power((5.0 + ops.cast(lengths, "float32")) / 6.0, float(length_penalty))


def repeat_rows(state, times):
    """Repeats every row of a (nested) state `times` times on axis 0; rank-0 tensors stay as they are.

    Row `i` becomes rows `i * times ... (i + 1) * times - 1`, as beams and samples of one input are laid out.

    >>> ops.convert_to_numpy(repeat_rows({"h": ops.array([[1], [2]])}, 2)["h"]).tolist()
    [[1], [1], [2], [2]]
    """

    def repeat(x):
        x = ops.convert_to_tensor(x)
        return x if len(x.shape) == 0 else ops.repeat(x, times, axis=0)

    return tree.map_structure(repeat, state)


def beam_search(step, state, batch_size, start_id, end_id, max_length, beam_width=4, length_penalty=0.0):
    """Keeps the `beam_width` best hypotheses per row and returns the best one of each row.

    Knows nothing about models, like `greedy_search`: `step` maps the previous tokens
    `[n]` and a (nested) state to logits `[n, vocabulary]` and the next state, and is
    called once per time step with `n = batch_size * beam_width` (row `i`'s beams are
    rows `i * beam_width ... (i + 1) * beam_width - 1`). Every tensor in `state` must
    have the batch on axis 0 (per-sequence constants such as encoder outputs included):
    each is repeated `beam_width` times on axis 0 and then reordered by the beams' parents
    after every step. Rank-0 tensors are shared by all rows and left alone. Finished
    beams are fed the padding id 0, and what `step` says for them is ignored.

    The loop is a `keras.ops.while_loop` of plain TensorFlow ops, so it runs inside a
    `tf.function` (the batch size may be unknown) or an exported SavedModel. See the
    module docstring for the ranking, the length penalty and when the loop stops early.

    Returns `(ids, scores)` as `greedy_search` does, for the best hypothesis of each row
    (ranked with the length penalty): `ids` `[batch, max_length]` holds its tokens, the
    end id included, and 0 after it; `scores` `[batch]` is the sum of their
    log-probabilities, without the length penalty. With `beam_width=1` it is greedy search.

    Example:
    >>> import numpy as np
    >>> # Tokens 0 start, 1 end, 2, 3. Greedy takes 2 (0.5), then the end (0.34): 0.17.
    >>> # Beam search also keeps 3 (0.4), which ends with 0.9: 0.36.
    >>> probs = np.full((4, 4), 1e-4, "float32")
    >>> probs[0, 1:], probs[2, 1:], probs[3, 1:] = [0.1, 0.5, 0.4], [0.34, 0.33, 0.33], [0.9, 0.05, 0.05]
    >>> step = lambda tokens, state: (ops.take(np.log(probs), tokens, axis=0), state)
    >>> ids, scores = beam_search(step, (), 1, start_id=0, end_id=1, max_length=4, beam_width=2)
    >>> ops.convert_to_numpy(ids).tolist(), round(float(np.exp(ops.convert_to_numpy(scores)[0])), 2)
    ([[3, 1, 0, 0]], 0.36)
    """
    ids, scores, _ = beam_search_n_best(
        step, state, batch_size, start_id, end_id, max_length, 1, beam_width, length_penalty
    )
    return ids[:, 0], scores[:, 0]


def beam_search_n_best(
    step, state, batch_size, start_id, end_id, max_length, num_return_sequences, beam_width=4, length_penalty=0.0
):
    """The `num_return_sequences` best hypotheses of each row, best first (`beam_search`'s n-best).

    Takes what `beam_search` takes, and `num_return_sequences` (N, at most `beam_width`).
    Returns `(ids, scores, ranking_scores)`: `ids` `[batch, N, max_length]`, `scores`
    `[batch, N]` the summed log-probabilities, and `ranking_scores` `[batch, N]` what they
    were ranked by (`ranking_score`: the log-prob with the length penalty), in decreasing
    order. The loop runs until the N-th best is settled, so the first of them is always
    `beam_search`'s answer. Finished hypotheses keep competing for the beam's slots, so
    the N best of a narrow beam are the best of those that survived, not always the N
    best hypotheses there are: a beam of every hypothesis would find those.

    Example (the beam search example's model): [3, end] has 0.36 and [2, end] 0.17; [end]
    (0.1) was pushed out of the 3 beams at the second step by [2, 2] and [2, 3] (0.165 each),
    so the third answer is [2, 2, end] (0.06).
    >>> import numpy as np
    >>> probs = np.full((4, 4), 1e-4, "float32")
    >>> probs[0, 1:], probs[2, 1:], probs[3, 1:] = [0.1, 0.5, 0.4], [0.34, 0.33, 0.33], [0.9, 0.05, 0.05]
    >>> step = lambda tokens, state: (ops.take(np.log(probs), tokens, axis=0), state)
    >>> ids, scores, _ = beam_search_n_best(step, (), 1, 0, 1, max_length=4, num_return_sequences=3, beam_width=3)
    >>> ops.convert_to_numpy(ids).tolist(), [round(float(p), 2) for p in np.exp(ops.convert_to_numpy(scores[0]))]
    ([[[3, 1, 0, 0], [2, 1, 0, 0], [2, 2, 1, 0]]], [0.36, 0.17, 0.06])
    """
    if beam_width < 1:
        raise ValueError(f"beam_width must be at least 1, got {beam_width}")
    if not 1 <= num_return_sequences <= beam_width:
        raise ValueError(f"num_return_sequences must be 1 to beam_width ({beam_width}), got {num_return_sequences}")
    beams, n_best = int(beam_width), int(num_return_sequences)
    positions = ops.arange(max_length, dtype="int32")[None, :]

    def rank(log_probs, length):
        return ranking_score(log_probs, length, length_penalty)

    def per_row(x):
        """`[batch * beams, ...]` -> `[batch, beams, ...]`."""
        return ops.reshape(x, (-1, beams) + tuple(ops.shape(x)[1:]))

    def flat(x):
        """`[batch, beams, ...]` -> `[batch * beams, ...]`."""
        return ops.reshape(x, (-1,) + tuple(ops.shape(x)[2:]))

    def rows_done(finished, log_probs, lengths):
        """`[batch]`: the N-th best finished hypothesis can no longer be beaten by an unfinished beam."""
        finished, log_probs, lengths = per_row(finished), per_row(log_probs), per_row(lengths)
        finished_ranks, _ = ops.top_k(ops.where(finished, rank(log_probs, lengths), float("-inf")), k=n_best)
        best_reachable = ops.max(ops.where(finished, float("-inf"), rank(log_probs, max_length)), axis=1)
        return finished_ranks[:, -1] >= best_reachable

    def keep_going(t, tokens, state, ids, finished, log_probs, lengths):
        done = ops.all(rows_done(finished, log_probs, lengths))
        return ops.logical_and(t < max_length, ops.logical_not(done))

    def advance(t, tokens, state, ids, finished, log_probs, lengths):
        logits, state = step(tokens, state)
        token_log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
        vocabulary = ops.shape(token_log_probs)[-1]
        # A finished beam has one continuation, the padding id, which costs nothing.
        only_padding = ops.where(ops.arange(vocabulary, dtype="int32") == 0, 0.0, _IMPOSSIBLE)
        token_log_probs = ops.where(finished[:, None], only_padding[None, :], token_log_probs)
        candidate_log_probs = log_probs[:, None] + token_log_probs  # [batch * beams, vocabulary]
        candidate_lengths = ops.where(finished, lengths, t + 1)  # the same for every token
        ranks = rank(candidate_log_probs, candidate_lengths[:, None])

        # The best `beams` of the `beams * vocabulary` candidates of each row.
        _, chosen = ops.top_k(ops.reshape(ranks, (-1, beams * vocabulary)), k=beams)
        chosen = ops.cast(chosen, "int32")
        parents = chosen // vocabulary  # [batch, beams], in 0 ... beams - 1
        new_tokens = flat(chosen % vocabulary)
        log_probs = flat(ops.take_along_axis(ops.reshape(candidate_log_probs, (-1, beams * vocabulary)), chosen, 1))
        lengths = flat(ops.take_along_axis(per_row(candidate_lengths), parents, axis=1))
        parent_finished = flat(ops.take_along_axis(per_row(finished), parents, axis=1))

        # Reorder everything that belongs to a beam by the beam's parent.
        row_starts = ops.arange(ops.shape(parents)[0], dtype="int32")[:, None] * beams
        parent_rows = flat(row_starts + parents)
        ids = ops.take(ids, parent_rows, axis=0)
        state = tree.map_structure(lambda x: x if len(x.shape) == 0 else ops.take(x, parent_rows, axis=0), state)

        new_tokens = ops.where(parent_finished, 0, new_tokens)
        ids = ops.where(positions == t, new_tokens[:, None], ids)
        finished = ops.logical_or(parent_finished, new_tokens == end_id)
        return t + 1, new_tokens, state, ids, finished, log_probs, lengths

    # Before the first step all beams of a row are the same, so only the first one counts.
    first_only = ops.where(ops.arange(beams, dtype="int32") == 0, 0.0, _IMPOSSIBLE)
    loop_vars = (
        ops.convert_to_tensor(0, dtype="int32"),
        ops.full((batch_size * beams,), start_id, dtype="int32"),
        repeat_rows(state, beams),
        ops.zeros((batch_size * beams, max_length), dtype="int32"),
        ops.zeros((batch_size * beams,), dtype="bool"),
        flat(ops.zeros((batch_size, beams), dtype="float32") + first_only[None, :]),
        ops.zeros((batch_size * beams,), dtype="int32"),
    )
    t, _, _, ids, finished, log_probs, lengths = ops.while_loop(keep_going, advance, loop_vars)

    # Unfinished beams are answers only when they reached `max_length`.
    unfinished_rank = ops.where(t >= max_length, rank(log_probs, max_length), float("-inf"))
    ranks = per_row(ops.where(finished, rank(log_probs, lengths), unfinished_rank))
    ranks, best = ops.top_k(ranks, k=n_best)  # [batch, N], best first
    best = ops.cast(best, "int32")
    ids = ops.take_along_axis(per_row(ids), best[:, :, None], axis=1)
    scores = ops.take_along_axis(per_row(log_probs), best, axis=1)
    return ids, scores, ranks
