"""Sampling (temperature, top-k, top-p) from a seed, as one in-graph loop over a `step(tokens, state)` function.

Every token is drawn from the model's distribution, first divided by the temperature,
then cut to the `top_k` most likely tokens, then to the smallest set of most likely
tokens whose probabilities add up to at least `top_p` (Hugging Face's `generate` and
keras-hub's samplers apply them in that order too). Ties at a cut are kept. The padding
id 0, the start id and the ids in `never_drawn` (e.g. the unknown id) are never drawn:
they are not tokens of an answer, and a random draw reaches tokens that greedy and
beam search never take.

On TensorFlow every draw is `tf.random.stateless_categorical` keyed by the seed and the
step, so the same seed (and the same batch) gives the same answers eagerly, in a
`tf.function` and in an exported SavedModel, and the seed is a tensor: a new seed does
not retrace the loop. On JAX every draw is `keras.random.categorical` with the seed's
`jax.random` key folded with the step (`jax.random.fold_in`): the same seed gives the
same answers there too, eagerly or under `jax.jit`, though not the same as TensorFlow's.
On PyTorch, where decoding runs eagerly, every draw is `torch.multinomial` from one
`torch.Generator` seeded once per call: the same seed gives the same answers there.

Why not keras-hub's samplers (keras-hub 0.32, `keras_hub/src/samplers/`: `RandomSampler`,
`TopKSampler`, `TopPSampler`):
- They draw with a `keras.random.SeedGenerator`, a variable that every draw advances: a
  seed gives the same answers only on the first call after the sampler is made, and in a
  served SavedModel every request would move the variable, so an answer would depend on
  the requests served before it. `keras.random` takes an int seed or a `SeedGenerator`,
  not a tensor, so a seed per call would mean a new trace per seed.
- Their loop (`Sampler.__call__`) fills a fixed-width prompt through
  `next(prompt, cache, index)`, keeps extending rows that have already ended (keras-hub
  masks them afterwards) and returns no score. A recurrent `step(tokens, state)` fits it
  only through an adapter, and the end handling and scores would still be ours to write.
So this module shares `greedy_search`'s loop (`one_path_search`) and only chooses the
token differently. What it keeps from them: the order of the cuts, and top-p keeping the
token that crosses `top_p`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_seq2seq.decoding.greedy import one_path_search


def sample(
    step, state, batch_size, start_id, end_id, max_length, seed, temperature=1.0, top_k=None, top_p=None, never_drawn=()
):
    """Draws every row's tokens at random until each row has produced `end_id`.

    Takes what `greedy_search` takes, and `seed`: an int or an int tensor, of shape `[]`
    or `[2]` (on TensorFlow a stateless seed pair, e.g. `[seed, batch number]`; on JAX a
    `jax.random` key, uint32, e.g. `jax_key(seed)`; on PyTorch an int). `temperature` > 0
    sharpens (< 1) or flattens (> 1) the distribution; `top_k` (None: off) and `top_p`
    (None: off) cut it as the module docstring says. `top_k=1` is greedy search.
    `never_drawn`: ids to leave out besides the padding id 0 and `start_id`.

    Returns `(ids, scores)` as `greedy_search` does. `scores` are the model's own
    log-probabilities of the drawn tokens (temperature 1, nothing cut), so they compare
    with greedy and beam search scores.

    Example:
    >>> import numpy as np
    >>> # After the start (0): tokens 2 and 3 at 0.5 each; after 2 or 3: the end (1).
    >>> probs = np.array([[1e-6, 1e-6, .5, .5], [1, 1, 1, 1], [0, 1, 0, 0], [0, 1, 0, 0]], "float32") + 1e-6
    >>> step = lambda tokens, state: (ops.take(np.log(probs), tokens, axis=0), state)
    >>> ids, _ = sample(step, (), 8, start_id=0, end_id=1, max_length=3, seed=7)
    >>> again, _ = sample(step, (), 8, start_id=0, end_id=1, max_length=3, seed=7)
    >>> bool(ops.all(ids == again)), sorted(set(ops.convert_to_numpy(ids)[:, 0].tolist()))
    (True, [2, 3])
    """
    draw_token = token_drawer(seed)

    def draw(log_probs, t):
        tokens = ops.arange(ops.shape(log_probs)[-1], dtype="int32")
        not_answers = tokens == 0
        for token in (start_id, *never_drawn):
            not_answers = ops.logical_or(not_answers, tokens == token)
        logits = filter_logits(ops.where(not_answers, float("-inf"), log_probs), temperature, top_k, top_p)
        return draw_token(logits, t)

    return one_path_search(step, state, batch_size, start_id, end_id, max_length, draw)


def token_drawer(seed):
    """`draw(logits [batch, vocabulary], t) -> ids [batch]`: one token per row, keyed by `seed` and the step `t`."""
    backend = keras.backend.backend()
    if backend == "torch":
        return torch_drawer(seed)
    if backend != "jax":
        seed = tf.convert_to_tensor(seed, tf.int64)
        if seed.shape.rank == 0:
            seed = tf.stack([seed, tf.constant(0, tf.int64)])

        def draw_on_tensorflow(logits, t):
            step_seed = tf.random.experimental.stateless_fold_in(seed, t)
            return tf.random.stateless_categorical(logits, 1, seed=step_seed, dtype=tf.int32)[:, 0]

        return draw_on_tensorflow
    import jax

    key = jax_key(seed) if np.ndim(seed) == 0 else seed

    def draw_on_jax(logits, t):
        return keras.random.categorical(logits, 1, seed=jax.random.fold_in(key, t))[:, 0]

    return draw_on_jax


def torch_drawer(seed):
    """On PyTorch: draws from one generator seeded with `seed` (an int), step after step.

    Decoding runs eagerly there (`traced_decoding`), one step after the other, so
    the generator's sequence of draws is the same for the same seed and inputs.
    The generator is made at the first draw, on the device of the logits.
    """
    import torch

    generator = None

    def draw_on_torch(logits, t):
        nonlocal generator
        if generator is None:
            generator = torch.Generator(device=logits.device).manual_seed(int(seed))
        probs = torch.softmax(logits.float(), dim=-1)
        return torch.multinomial(probs, 1, generator=generator)[:, 0].int()

    return draw_on_torch


def jax_key(seed):
    """The raw `jax.random` key (uint32 `[2]`) of an int seed from 0 to 2**64 - 1, all its bits kept.

    `jax.random.PRNGKey` drops the upper 32 bits unless JAX's 64-bit types are on;
    this is the key it makes with them on.

    >>> jax_key(2**32 + 5).tolist()
    [1, 5]
    """
    seed = int(seed)
    return np.array([seed >> 32 & 0xFFFFFFFF, seed & 0xFFFFFFFF], np.uint32)


def filter_logits(logits, temperature=1.0, top_k=None, top_p=None):
    """`logits [batch, vocabulary]` divided by `temperature`, with the tokens top-k and top-p cut at -inf.

    >>> import numpy as np
    >>> logits = np.log([[0.5, 0.3, 0.15, 0.05]])
    >>> np.isfinite(ops.convert_to_numpy(filter_logits(logits, top_k=3))).tolist()
    [[True, True, True, False]]
    >>> np.isfinite(ops.convert_to_numpy(filter_logits(logits, top_p=0.75))).tolist()  # 0.5 + 0.3 cross 0.75
    [[True, True, False, False]]
    >>> np.isfinite(ops.convert_to_numpy(filter_logits(logits, top_p=0.85))).tolist()  # 0.5 + 0.3 + 0.15 cross it
    [[True, True, True, False]]
    """
    logits = ops.cast(logits, "float32") / float(temperature)
    if top_k is not None:
        kth_best = ops.top_k(logits, k=min(int(top_k), logits.shape[-1]))[0][:, -1:]
        logits = ops.where(logits < kth_best, float("-inf"), logits)
    if top_p is not None:
        descending = ops.flip(ops.sort(logits, axis=-1), axis=-1)
        probs = ops.softmax(descending, axis=-1)
        mass_before = ops.cumsum(probs, axis=-1) - probs  # of the more likely tokens
        kept = ops.sum(ops.cast(mass_before < float(top_p), "int32"), axis=-1, keepdims=True)  # at least 1
        threshold = ops.take_along_axis(descending, kept - 1, axis=-1)
        logits = ops.where(logits < threshold, float("-inf"), logits)
    return logits
