"""Teacher-forcing packing: a target becomes the decoder's input (start + target) and its labels (target + end).

The one place that writes it: training data (`data/pipeline.py`, `data/captions.py`) and
the attention plots (`AttentionSeq2Seq.attention_weights`) all pack their targets here.
"""

import tensorflow as tf

from keras_seq2seq.text.special_tokens import END_ID, PAD_ID, START_ID


def teacher_forcing(tokenizer, targets, width):
    """Returns `(decoder_ids, labels)` for the strings `targets`: right-padded `int32` arrays `[n, width]`.

    `decoder_ids` is the start id then the target's ids, `labels` the target's ids
    then the end id: at step t the decoder reads token t - 1 and learns token t.
    Longer rows are cut to `width` (`max_target_length + 1` leaves room for the start and the end).

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> decoder_ids, labels = teacher_forcing(CharTokenizer(list("ab")), ["ab", "b"], 4)
    >>> decoder_ids.tolist(), labels.tolist()
    ([[2, 4, 5, 0], [2, 5, 0, 0]], [[4, 5, 3, 0], [5, 3, 0, 0]])
    """
    return teacher_forcing_ids(tokenizer.tokenize(tf.constant(list(targets), tf.string)), width)


def teacher_forcing_ids(ids, width):
    """`teacher_forcing` of targets already tokenized: `ids` is a ragged `int32` tensor `[n, None]`.

    Example:
    >>> decoder_ids, labels = teacher_forcing_ids(tf.ragged.constant([[4, 5], []]), 3)
    >>> decoder_ids.tolist(), labels.tolist()
    ([[2, 4, 5], [2, 0, 0]], [[4, 5, 3], [3, 0, 0]])
    """
    rows = [ids.nrows(), 1]
    decoder_ids = tf.concat([tf.fill(rows, START_ID), ids], axis=1)
    labels = tf.concat([ids, tf.fill(rows, END_ID)], axis=1)
    return tuple(row.to_tensor(default_value=PAD_ID, shape=[None, width]).numpy() for row in (decoder_ids, labels))
