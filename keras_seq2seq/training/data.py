"""The recipe's data: string pairs, and training batches whose order is a pure function of (seed, epoch).

`tf.data`'s `shuffle(reshuffle_each_iteration=True)` draws each epoch's order
from the iterator's state, so a process restarted at epoch 3 would see epoch 0's
order again. Here epoch `e` is always `np.random.default_rng([seed, e])`'s
permutation, so a resumed run sees exactly the batches an uninterrupted run
would, and can skip the ones it already trained on.
"""

import numpy as np
import tensorflow as tf

from keras_seq2seq.data import addition, addition_pairs, dates, encode_pairs, load_pairs, pairs_dataset
from keras_seq2seq.data.dialogue import dialogue_task
from keras_seq2seq.errors import RecipeError
from keras_seq2seq.text import CharTokenizer, WordPieceTokenizer


def load_data(data, seed):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for the recipe's `data` section."""
    if data["task"] == "addition":
        train = addition_pairs(data["train_size"], seed, "train", balance_digits=data["balance_digits"])
        validation = addition_pairs(data["validation_size"], seed=seed + 1, split="held_out")
        lengths = (addition.MAX_SOURCE_LENGTH, addition.MAX_TARGET_LENGTH)
        return train, validation, addition.VOCABULARY, lengths
    if data["task"] == "date":
        if data["balance_digits"]:
            raise RecipeError("balance_digits applies only to the addition task")
        # Sources as the model reads them: normalised and marked with their reading (see dates.training_pairs).
        train = dates.training_pairs(data["train_size"], seed, "train")
        validation = dates.training_pairs(data["validation_size"], seed=seed + 1, split="held_out")
        lengths = (dates.MAX_SOURCE_LENGTH, dates.MAX_TARGET_LENGTH)
        return train, validation, dates.VOCABULARY, lengths
    if data["task"] == "dialogue":  # a word-piece vocabulary: see make_tokenizer
        if data["balance_digits"]:
            raise RecipeError("balance_digits applies only to the addition task")
        return dialogue_task(data["train_size"], data["validation_size"])
    if data["task"] is not None:
        raise RecipeError(f"unknown task {data['task']!r} (known: addition, date, dialogue)")
    if data["train_tsv"] is None or data["validation_tsv"] is None:
        raise RecipeError("data needs either a task or both train_tsv and validation_tsv")
    train, validation = load_pairs(data["train_tsv"]), load_pairs(data["validation_tsv"])
    sources, targets = train[0] + validation[0], train[1] + validation[1]
    vocabulary = sorted({char for text in sources + targets for char in text})
    lengths = (max(map(len, sources)), max(map(len, targets)))
    return train, validation, vocabulary, lengths


def make_tokenizer(data, vocabulary):
    """The tokenizer of the recipe's task over `vocabulary`: word pieces for dialogue, else characters."""
    return (WordPieceTokenizer if data["task"] == "dialogue" else CharTokenizer)(vocabulary)


def epoch_order(size, seed, epoch):
    """The order of the `size` training pairs in `epoch`: the same in every process and every run.

    Example:
    >>> epoch_order(5, seed=1, epoch=0).tolist() == epoch_order(5, seed=1, epoch=0).tolist()
    True
    >>> sorted(epoch_order(5, seed=1, epoch=3).tolist())
    [0, 1, 2, 3, 4]
    """
    return np.random.default_rng([seed, epoch]).permutation(size)


def training_batches(model, pairs, batch_size, seed, epochs, skip_batches=0):
    """A `tf.data.Dataset` of the global batches of `epochs` (a range), one epoch after the other.

    Every epoch has `len(pairs[0]) // batch_size` whole batches (the remainder of
    its order is left out), in `epoch_order(seed, epoch)`; the first
    `skip_batches` batches are left out (those a resumed run has already done).
    Under a distribution strategy, Keras splits each global batch among the
    replicas, and the `DATA` auto-shard policy gives each worker its part of it.

    Example:
    >>> from keras_seq2seq.models import Seq2Seq
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = Seq2Seq(CharTokenizer(list("ab")), 4, 4, max_source_length=2, max_target_length=2)
    >>> pairs = (["a", "b", "ab", "ba", "aa"], ["a", "b", "ba", "ab", "aa"])
    >>> [x["source_ids"].shape[0] for x, y in training_batches(model, pairs, 2, 1, range(2), skip_batches=1)]
    [2, 2, 2]
    """
    x, y = encode_pairs(model.tokenizer, *pairs, model.max_source_length, model.max_target_length)
    per_epoch = len(y) // batch_size
    rows = [epoch_order(len(y), seed, epoch)[: per_epoch * batch_size] for epoch in epochs]
    rows = np.concatenate(rows or [np.empty(0, np.int64)])[skip_batches * batch_size :]
    x = {name: tf.constant(array) for name, array in x.items()}
    y = tf.constant(y)
    dataset = tf.data.Dataset.from_tensor_slices(rows).batch(batch_size, drop_remainder=True)
    dataset = dataset.map(lambda rows: ({name: tf.gather(array, rows) for name, array in x.items()}, tf.gather(y, rows)))
    return _shard_by_data(dataset).prefetch(tf.data.AUTOTUNE)


def validation_batches(model, pairs, batch_size):
    """The validation pairs in their own order, the last batch possibly short."""
    dataset = pairs_dataset(
        model.tokenizer, *pairs, model.max_source_length, model.max_target_length,
        batch_size=batch_size, shuffle=False, drop_remainder=False,
    )
    return _shard_by_data(dataset)


def _shard_by_data(dataset):
    # The pairs live in memory, not in files: every worker builds the whole
    # pipeline and keeps its share of each global batch (no "cannot shard by
    # file" fallback warning).
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
