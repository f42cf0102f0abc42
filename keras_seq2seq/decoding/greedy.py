"""Batched greedy decoding as one in-graph loop over a `step(tokens, state) -> (logits, state)` function."""

from keras import ops


def greedy_search(step, state, batch_size, start_id, end_id, max_length):
    """Takes the most likely token at every step until each row has produced `end_id`.

    Knows nothing about models: `step` maps the previous tokens `[batch]` and a
    (nested) state to logits `[batch, vocabulary]` and the next state. The loop is
    a `keras.ops.while_loop`, so it runs inside a `tf.function` or an exported
    SavedModel, and it stops as soon as every row is done.

    Returns `(ids, scores)`: `ids` `[batch, max_length]` holds the chosen tokens, the
    end id included, and 0 after it; `scores` `[batch]` is the sum of their log-probabilities.

    Example:
    >>> import numpy as np
    >>> # A fake model over 3 tokens: after 0 it says 2, after 1 or 2 it says 1 (the end).
    >>> logits = np.log(np.array([[0.1, 0.2, 0.7], [0.1, 0.8, 0.1], [0.1, 0.8, 0.1]], "float32"))
    >>> step = lambda tokens, state: (ops.take(logits, tokens, axis=0), state)
    >>> ids, scores = greedy_search(step, (), 1, start_id=0, end_id=1, max_length=4)
    >>> ops.convert_to_numpy(ids).tolist()
    [[2, 1, 0, 0]]
    """

    def most_likely(log_probs, t):
        return ops.argmax(log_probs, axis=-1)

    return one_path_search(step, state, batch_size, start_id, end_id, max_length, most_likely)


def one_path_search(step, state, batch_size, start_id, end_id, max_length, choose):
    """The loop of greedy search and sampling: each row follows one path, one token a step.

    `choose(log_probs [batch, vocabulary], t)` picks the next token of every row from
    the model's log-probabilities at step `t` (an int32 tensor, 0 first). Rows that
    have produced `end_id` get 0 from then on and keep their score. Returns
    `(ids, scores)` as `greedy_search` does: `scores` sums the model's log-probabilities
    of the chosen tokens, whatever `choose` made of them.
    """
    positions = ops.arange(max_length, dtype="int32")[None, :]

    def keep_going(t, tokens, state, ids, done, scores):
        return ops.logical_and(t < max_length, ops.logical_not(ops.all(done)))

    def advance(t, tokens, state, ids, done, scores):
        logits, state = step(tokens, state)
        log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
        chosen = ops.cast(choose(log_probs, t), "int32")
        chosen = ops.where(done, 0, chosen)
        chosen_log_prob = ops.take_along_axis(log_probs, chosen[:, None], axis=-1)[:, 0]
        scores = scores + ops.where(done, 0.0, chosen_log_prob)
        ids = ops.where(positions == t, chosen[:, None], ids)
        done = ops.logical_or(done, chosen == end_id)
        return t + 1, chosen, state, ids, done, scores

    loop_vars = (
        ops.convert_to_tensor(0, dtype="int32"),
        ops.full((batch_size,), start_id, dtype="int32"),
        state,
        ops.zeros((batch_size, max_length), dtype="int32"),
        ops.zeros((batch_size,), dtype="bool"),
        ops.zeros((batch_size,), dtype="float32"),
    )
    _, _, _, ids, _, scores = ops.while_loop(keep_going, advance, loop_vars)
    return ids, scores
