"""A model's decoding function compiled for its backend: `tf.function` on TensorFlow, `jax.jit` on JAX, eager on PyTorch.

`EncoderDecoderModel.decode_function` keeps one compiled function per set of
decoding options and calls it batch after batch, with a new sampling seed for
every call. The seed is an argument of the compiled `decode(inputs, seed)`, so a
new seed never retraces:

- TensorFlow: one `tf.function` trace over `input_spec` (a batch of any size and
  width), seeded with the stateless pair `[seed, k]` for the k-th call.
- JAX: `jax.jit`, with the model's variables as arguments rather than constants
  of the trace (a `keras.StatelessScope` maps them), so that answers follow
  the weights after more training; seeded with a `jax.random` key from
  `seed` and `k`. It compiles once per batch shape (size and width), which
  `generate`'s batch size and bucketed widths keep to a few.
- PyTorch: eager, without autograd (`torch.no_grad`), seeded with an int drawn
  from `seed` and `k`. Not `torch.compile`: it traces Python loops step by step,
  so it would compile the decoding loop anew for every answer length and batch
  shape, and it did not pay even for the training steps (`compile()` says so).

Example:
>>> import keras_seq2seq as ks
>>> model = ks.from_preset("addition")
>>> seeds = call_seeds(7)
>>> decode = traced(model, lambda inputs, seed: model.decode_ids(inputs), tf.TensorSpec([None, None], tf.int32))
>>> model.answers(decode(model.tokenizer.encode(["16+75"], 8), next(seeds)))
['91']
"""

import itertools

import keras
import numpy as np
import tensorflow as tf

from keras_seq2seq.decoding.sampling import jax_key


def traced(model, decode, input_spec):
    """`decode(inputs, seed)` compiled for Keras' backend; `input_spec` is the TensorFlow trace's signature."""
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return torch.no_grad()(decode)
    if backend != "jax":
        return tf.function(decode, input_signature=[input_spec, tf.TensorSpec([2], tf.int64)], autograph=False)
    import jax

    variables = model.variables

    def decode_with(values, inputs, seed):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return decode(inputs, seed)

    compiled = jax.jit(decode_with)
    return lambda inputs, seed: compiled([variable.value for variable in variables], inputs, seed)


def call_seeds(seed):
    """The sampling seed of each call of a `traced` function: the k-th is `seed`'s draw for batch k.

    On TensorFlow the stateless pair `[seed, k]`; on JAX the `jax.random` key of
    `seed` (its 64 bits) folded with `k`, which `decoding.sampling` takes as it is;
    on PyTorch an int of 63 bits drawn from `seed` and `k` (NumPy's `SeedSequence`).
    """
    backend = keras.backend.backend()
    if backend == "torch":
        return (int(np.random.SeedSequence([seed, k]).generate_state(1, np.uint64)[0] >> 1) for k in itertools.count())
    if backend != "jax":
        return (tf.constant([seed, k], tf.int64) for k in itertools.count())
    import jax

    key = jax_key(seed)
    return (jax.random.fold_in(key, k) for k in itertools.count())

