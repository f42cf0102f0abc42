"""From string pairs to teacher-forcing arrays and `tf.data` pipelines, padded on the right."""

import numpy as np
import tensorflow as tf

from keras_seq2seq.data.buckets import bucket_batches, gather_batches
from keras_seq2seq.errors import InputError
from keras_seq2seq.text.packing import teacher_forcing


def encode_pairs(tokenizer, sources, targets, max_source_length, max_target_length, target_tokenizer=None):
    """Returns `(x, y)` for `model.fit`, as right-padded `int32` NumPy arrays.

    `x = {"source_ids", "decoder_ids"}`, with `decoder_ids` = start + target, and
    `y` = target + end (`text.packing.teacher_forcing`): `[n, max_source_length]`,
    `[n, max_target_length + 1]` twice.
    Targets are encoded with `target_tokenizer` when the model has one of its own.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> x, y = encode_pairs(CharTokenizer(list("0123456789+")), ["1+2"], ["3"], 7, 4)
    >>> x["decoder_ids"].tolist(), y.tolist()
    ([[2, 7, 0, 0, 0]], [[7, 3, 0, 0, 0]])
    """
    target_tokenizer = target_tokenizer or tokenizer
    pair_lengths(tokenizer, sources, max_source_length, "source")
    pair_lengths(target_tokenizer, targets, max_target_length, "target")
    decoder_ids, y = teacher_forcing(target_tokenizer, targets, max_target_length + 1)
    return {"source_ids": tokenizer.encode(sources, max_source_length), "decoder_ids": decoder_ids}, y


def token_lengths(tokenizer, texts):
    """The lengths of `texts` in the tokenizer's units (characters, or words and word pieces)."""
    return tokenizer.tokenize(tf.constant(list(texts), tf.string)).row_lengths().numpy()


def pair_lengths(tokenizer, texts, limit, side):
    """The lengths of `texts` in the tokenizer's units; `InputError` naming the first empty or too long text."""
    lengths = token_lengths(tokenizer, texts)
    for index, (text, length) in enumerate(zip(texts, lengths)):
        if not length or length > limit:
            raise InputError(f"{side} {index} ({text[:40]!r}) has {length} {tokenizer.unit}s; expected 1 to {limit}")
    return lengths


def pairs_dataset(
    tokenizer,
    sources,
    targets,
    max_source_length,
    max_target_length,
    batch_size=128,
    shuffle=True,
    seed=0,
    drop_remainder=True,
    bucketing=True,
    target_tokenizer=None,
):
    """A batched `tf.data.Dataset` of `(x, y)` for `model.fit`, `evaluate` and `predict`.

    With `bucketing` (the default), every batch holds pairs of similar lengths
    and is padded to one of a few widths (`data/buckets.py`): little padding, and
    one XLA compilation per width. `shuffle` draws the batches from `seed` once
    and reshuffles their order on every pass. With `drop_remainder`, a
    bucket's last short batch is left out (whole batches for training); pass
    `drop_remainder=False` to evaluate on every pair. Without `bucketing` every
    batch is padded to `max_source_length` and `max_target_length + 1`.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> sources = ["1+2", "10+20", "1+1", "100+200+300"]
    >>> dataset = pairs_dataset(CharTokenizer(list("0123456789+")), sources, ["3", "30", "2", "600"], 11, 3,
    ...                         batch_size=2, shuffle=False, drop_remainder=False)
    >>> [tuple(x["source_ids"].shape) for x, y in dataset]
    [(2, 8), (1, 8), (1, 16)]
    """
    x, y = encode_pairs(tokenizer, sources, targets, max_source_length, max_target_length, target_tokenizer)
    rng = np.random.default_rng(seed) if shuffle else None
    if bucketing:
        source_lengths = np.count_nonzero(x["source_ids"], axis=1)
        target_lengths = np.count_nonzero(y, axis=1)  # the target and its end id
        batches, widths = bucket_batches(source_lengths, target_lengths, batch_size, rng, drop_remainder)
        dataset = gather_batches(x, y, batches, widths)
        if shuffle:
            dataset = dataset.shuffle(len(batches), seed=seed, reshuffle_each_iteration=True)
        return dataset.prefetch(tf.data.AUTOTUNE)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)

