"""The recipe's data: string pairs or captioned images, and training batches that are a pure function of (seed, epoch).

`tf.data`'s `shuffle(reshuffle_each_iteration=True)` draws each epoch's order
from the iterator's state, so a process restarted at epoch 3 would see epoch 0's
order again. Here epoch `e`'s bucketed batches and their order always come from
`np.random.default_rng([seed, e])`, so a resumed run sees exactly the batches an
uninterrupted run would, and can skip the ones it already trained on.

An image task's "pairs" are `(images uint8 [n, height, width, channels], captions)`.
They get the text tasks' seeded batches, exact resume included, but in one bucket:
every caption is padded to the longest, so that a batch mixes scenes of one to
four digits. Bucketed by caption length, each batch held scenes of one digit count
only, and the `captioning` recipe trained to 81.9% held-out exact match instead of
87.7% (14 epochs each; on text tasks, length says little about the content).
"""

import numpy as np
import tensorflow as tf

from keras_seq2seq.data import encode_pairs, load_pairs
from keras_seq2seq.data.buckets import bucket_batches, gather_batches
from keras_seq2seq.data.captions import encode_captions
from keras_seq2seq.data.pipeline import token_lengths
from keras_seq2seq.data.tasks import characters, recipe_task
from keras_seq2seq.errors import RecipeError


def load_data(data, seed, vocabulary=None):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for the recipe's `data` section.

    `lengths` is `(max_source_length, max_target_length)`; for an image task, whose
    sources are images, `(image shape (height, width, channels), max_target_length)`.
    `vocabulary`: a word-piece task's vocabulary learnt before (by the run being resumed), used
    instead of learning it again; the other tasks build theirs in no time and ignore it.
    A task comes from the registry (`data/tasks.py`); without one, the recipe's TSV files.
    """
    if data["balance_digits"] and data["task"] != "addition":
        raise RecipeError("balance_digits applies only to the addition task")
    if data["task"] is not None:
        return recipe_task(data["task"]).recipe_data(data, seed, vocabulary)
    if data["train_tsv"] is None or data["validation_tsv"] is None:
        raise RecipeError("data needs either a task or both train_tsv and validation_tsv")
    train, validation = load_pairs(data["train_tsv"]), load_pairs(data["validation_tsv"])
    sources, targets = train[0] + validation[0], train[1] + validation[1]
    vocabulary = sorted({char for text in sources + targets for char in text})
    lengths = (max(map(len, sources)), max(map(len, targets)))
    return train, validation, vocabulary, lengths


def make_tokenizers(data, vocabulary):
    """`(tokenizer, target_tokenizer)` of the recipe's task (characters for TSV files).

    `target_tokenizer` is None when sources and targets share `tokenizer`.
    """
    tokenizers = characters if data["task"] is None else recipe_task(data["task"]).tokenizers
    return tokenizers(vocabulary)


def training_batches(model, pairs, batch_size, seed, epochs, skip_batches=0):
    """A `tf.data.Dataset` of the global batches of `epochs` (a range), one epoch after the other.

    Batches are bucketed by length (`data/buckets.py`): each holds `batch_size`
    pairs of one bucket of widths, padded to them. Epoch `e` draws its batches
    and their order from `np.random.default_rng([seed, e])`, so every process and
    every run sees the same batches; a bucket's last short batch is left out,
    so every epoch has `batches_per_epoch` batches. The first `skip_batches`
    batches are left out (those a resumed run has already done). Under a
    distribution strategy, Keras splits each global batch among the replicas,
    and the `DATA` auto-shard policy gives each worker its part of it.

    Example:
    >>> from keras_seq2seq.models import Seq2Seq
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = Seq2Seq(CharTokenizer(list("ab")), 4, 4, max_source_length=2, max_target_length=2)
    >>> pairs = (["a", "b", "ab", "ba", "aa"], ["a", "b", "ba", "ab", "aa"])
    >>> [x["source_ids"].shape[0] for x, y in training_batches(model, pairs, 2, 1, range(2), skip_batches=1)]
    [2, 2, 2]
    """
    x, y, lengths = _encoded(model, pairs)
    batches, widths = [], []
    for epoch in epochs:
        epoch_batches, epoch_widths = bucket_batches(*lengths, batch_size, np.random.default_rng([seed, epoch]))
        batches += epoch_batches
        widths += epoch_widths
    return _batches(x, y, batches[skip_batches:], widths[skip_batches:]).prefetch(tf.data.AUTOTUNE)


def batches_per_epoch(tokenizers, pairs, batch_size):
    """How many whole bucketed batches `training_batches` makes of `pairs` in every epoch.

    `tokenizers` is `make_tokenizers`' pair: the model need not exist yet.
    """
    tokenizer, target_tokenizer = tokenizers
    if _are_images(pairs[0]):  # one bucket (the module docstring), its last short batch left out
        return len(pairs[1]) // batch_size
    source_lengths = token_lengths(tokenizer, pairs[0])
    target_lengths = token_lengths(target_tokenizer or tokenizer, pairs[1]) + 1  # and the end id
    return len(bucket_batches(source_lengths, target_lengths, batch_size)[0])


def validation_batches(model, pairs, batch_size):
    """The validation pairs bucketed by length, in a fixed order; no pair is left out (short batches kept)."""
    x, y, lengths = _encoded(model, pairs)
    return _batches(x, y, *bucket_batches(*lengths, batch_size, drop_remainder=False))


def _encoded(model, pairs):
    """`(x, y, (source_lengths, target_lengths))` of `pairs` for `model`, the target lengths with the end id.

    Images have no length (0), and every caption counts as long as the longest: one bucket
    (see the module docstring).
    """
    if _are_images(pairs[0]):
        x, y = encode_captions(model.tokenizer, *pairs, model.max_target_length)
        return x, y, (np.zeros(len(y), np.int64), np.full(len(y), y.shape[1], np.int64))
    x, y = encode_pairs(
        model.tokenizer, *pairs, model.max_source_length, model.max_target_length, model.target_tokenizer
    )
    return x, y, (np.count_nonzero(x["source_ids"], axis=1), np.count_nonzero(y, axis=1))


def _are_images(sources):
    """Whether `sources` is an image task's batch of images `[n, height, width, channels]`, not texts."""
    return isinstance(sources, np.ndarray) and sources.ndim == 4


def _batches(x, y, batches, widths):
    """`gather_batches` of `(x, y)`, images scaled to the model's float32 0..1, sharded by data."""
    dataset = gather_batches(x, y, batches, widths)
    if "images" in x:  # kept uint8 until gathered: a quarter of float32's memory
        dataset = dataset.map(_scale_images)
    return _shard_by_data(dataset)


def _scale_images(x, y):
    return {**x, "images": tf.cast(x["images"], tf.float32) / 255.0}, y


def _shard_by_data(dataset):
    # The pairs live in memory, not in files: every worker builds the whole
    # pipeline and keeps its share of each global batch (no "cannot shard by
    # file" fallback warning).
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
