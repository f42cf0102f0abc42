"""Shared set-up for the benchmarks: the textbook addition data and a straightforward Keras baseline."""

import statistics
import time

import keras

import keras_seq2seq as ks
from keras_seq2seq.data import addition

# The textbook recipe: 50,000 questions, 10% held out; embedding 16, hidden 128, batch 128.
TRAIN_SIZE, HELD_OUT_SIZE = 45000, 5000
EMBEDDING_DIM, HIDDEN_DIM, BATCH_SIZE = 16, 128, 128


def addition_arrays(seed=1):
    """`(tokenizer, (x, y) train, (x, y) held out)` as right-padded arrays."""
    tokenizer = ks.text.CharTokenizer(addition.VOCABULARY)
    lengths = (addition.MAX_SOURCE_LENGTH, addition.MAX_TARGET_LENGTH)
    train = ks.data.encode_pairs(tokenizer, *ks.data.addition_pairs(TRAIN_SIZE, seed, "train"), *lengths)
    held_out = ks.data.encode_pairs(
        tokenizer, *ks.data.addition_pairs(HELD_OUT_SIZE, seed + 1, "held_out"), *lengths
    )
    return tokenizer, train, held_out


def baseline_model(vocabulary_size, peeky=True, unroll=False, source_vocabulary_size=None,
                   embedding_dim=EMBEDDING_DIM, hidden_dim=HIDDEN_DIM):
    """The model as a tutorial would write it: default `keras.layers.LSTM`, no tuning.

    The peeky context is repeated and concatenated to every decoder input and
    every affine input, exactly as described. `unroll=True` is the one-flag lever
    of `keras.layers.LSTM`. `vocabulary_size` is the targets'; the sources' is the
    same unless `source_vocabulary_size` says otherwise.
    """
    source = keras.Input((None,), dtype="int32", name="source_ids")
    target = keras.Input((None,), dtype="int32", name="decoder_ids")
    embedded = keras.layers.Embedding(source_vocabulary_size or vocabulary_size, embedding_dim, mask_zero=True)(source)
    _, h, c = keras.layers.LSTM(hidden_dim, return_state=True, unroll=unroll)(embedded)
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True)(target)
    if peeky:
        context = RepeatLike()([h, target])
        x = keras.layers.Concatenate()([x, context])
    sequence = keras.layers.LSTM(hidden_dim, return_sequences=True, unroll=unroll)(x, initial_state=[h, c])
    if peeky:
        sequence = keras.layers.Concatenate()([sequence, context])
    logits = keras.layers.Dense(vocabulary_size)(sequence)
    return keras.Model({"source_ids": source, "decoder_ids": target}, logits)


class RepeatLike(keras.layers.Layer):
    """Repeats a `[batch, d]` vector along the time axis of a `[batch, steps]` tensor."""

    def call(self, inputs):
        vector, like = inputs
        return keras.ops.broadcast_to(vector[:, None, :], (*keras.ops.shape(like), vector.shape[-1]))


def interleaved_samples_per_second(models, x, y, batch_sizes, rounds=4):
    """Samples per second of each model: the median of `rounds` epochs, the models taking turns.

    Every model first trains one epoch to compile (not counted). Then each round
    trains every model for one epoch in turn, so that a slow spell of a shared
    machine hits all of them alike instead of whichever happened to run then.
    """
    for model, batch_size in zip(models, batch_sizes):
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=True)
    seconds = [[] for _ in models]
    for _ in range(rounds):
        for model, batch_size, own in zip(models, batch_sizes, seconds):
            start = time.perf_counter()
            model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=True)
            own.append(time.perf_counter() - start)
    return [len(y) / statistics.median(own) for own in seconds]
