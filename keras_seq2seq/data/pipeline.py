"""From string pairs to teacher-forcing arrays and `tf.data` pipelines, padded on the right."""

import tensorflow as tf

from keras_seq2seq.errors import InputError


def encode_pairs(tokenizer, sources, targets, max_source_length, max_target_length):
    """Returns `(x, y)` for `model.fit`, as right-padded `int32` NumPy arrays.

    `x = {"source_ids", "decoder_ids"}`, with `decoder_ids` = start + target, and
    `y` = target + end: `[n, max_source_length]`, `[n, max_target_length + 1]` twice.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> x, y = encode_pairs(CharTokenizer(list("0123456789+")), ["1+2"], ["3"], 7, 4)
    >>> x["decoder_ids"].tolist(), y.tolist()
    ([[2, 7, 0, 0, 0]], [[7, 3, 0, 0, 0]])
    """
    for texts, limit, side in ((sources, max_source_length, "source"), (targets, max_target_length, "target")):
        # Lengths in the tokenizer's units: characters, or words and word pieces.
        lengths = tokenizer.tokenize(tf.constant(list(texts), tf.string)).row_lengths().numpy()
        for index, (text, length) in enumerate(zip(texts, lengths)):
            if not length or length > limit:
                raise InputError(
                    f"{side} {index} ({text[:40]!r}) has {length} {tokenizer.unit}s; "
                    f"expected 1 to {limit}"
                )
    x = {
        "source_ids": tokenizer.encode(sources, max_source_length),
        "decoder_ids": tokenizer.encode(targets, max_target_length + 1, add_start=True),
    }
    y = tokenizer.encode(targets, max_target_length + 1, add_end=True)
    return x, y


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
):
    """A batched `tf.data.Dataset` of `(x, y)` for `model.fit`.

    Every batch has the same shape (whole batches, fixed lengths), so an XLA
    training step is compiled once, not again for a short last batch.
    """
    x, y = encode_pairs(tokenizer, sources, targets, max_source_length, max_target_length)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
