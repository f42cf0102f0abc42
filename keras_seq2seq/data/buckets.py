"""Length bucketing: batches of pairs of similar lengths, padded to a few fixed widths, in a seeded order.

Padding every batch to the longest pair of the data set wastes most of a batch's
work on tasks whose lengths spread (pronunciations: 2 to 30 characters). Here
pairs are grouped by their source and target widths rounded up to a multiple
of `widths.WIDTH_STEP` (the same buckets `models/shape_buckets.py` compiles XLA
steps for), every batch holds pairs of one bucket only and is padded to the bucket's
widths, and the batches come in an order drawn from a NumPy generator: the same
seed gives the same batches, which is what an exact resume needs.

Why not `tf.data`'s `bucket_by_sequence_length`: it keys on one length (source
and target would share one width), and its order follows the input stream, so
the number of batches per epoch is not known before the epoch has run; the
recipe trainer needs it for its checkpoints and its learning-rate schedule.
"""

import numpy as np
import tensorflow as tf

from keras_seq2seq.widths import bucket_width


def bucket_batches(source_lengths, target_lengths, batch_size, rng=None, drop_remainder=True):
    """Row indices of each batch, and each batch's `(source_width, target_width)`.

    `target_lengths` count the tokens of `decoder_ids` (the target and its start
    or end id). With `rng` (a `np.random.Generator`) the rows of every bucket and
    the order of the batches are shuffled; without it, batches follow the rows'
    order within each bucket and the buckets come shortest first. With
    `drop_remainder`, a bucket's last batch is left out when it is short, so
    every batch has `batch_size` rows; without it, no row is left out.

    Example:
    >>> batches, widths = bucket_batches([3, 12, 4, 11, 5], [2, 9, 3, 9, 2], 2, drop_remainder=False)
    >>> [b.tolist() for b in batches], widths
    ([[0, 2], [4], [1, 3]], [(8, 8), (8, 8), (16, 16)])
    """
    source_widths = np.array([bucket_width(n) for n in source_lengths], dtype=np.int64)
    target_widths = np.array([bucket_width(n) for n in target_lengths], dtype=np.int64)
    batches, widths = [], []
    for source_width, target_width in sorted(set(zip(source_widths.tolist(), target_widths.tolist()))):
        rows = np.flatnonzero((source_widths == source_width) & (target_widths == target_width))
        if rng is not None:
            rows = rng.permutation(rows)
        for begin in range(0, len(rows), batch_size):
            batch = rows[begin : begin + batch_size]
            if len(batch) == batch_size or not drop_remainder:
                batches.append(batch)
                widths.append((source_width, target_width))
    if rng is not None:
        order = rng.permutation(len(batches))
        batches, widths = [batches[i] for i in order], [widths[i] for i in order]
    return batches, widths


def gather_batches(x, y, batches, widths):
    """A `tf.data.Dataset` of `(x, y)` batches: the rows of each batch, cut to its widths.

    `x` (`{"source_ids", "decoder_ids"}`) and `y` are right-padded arrays; they
    are padded further where a bucket is wider than they are. Any other input
    of `x` (an image captioner's `"images"`, in place of `source_ids`) is
    gathered whole.

    Example:
    >>> x = {"images": np.zeros((3, 2, 2, 1), np.uint8), "decoder_ids": np.array([[1, 5, 0], [1, 5, 6], [1, 0, 0]])}
    >>> y = np.array([[5, 2, 0], [5, 6, 2], [2, 0, 0]])
    >>> batch, targets = next(iter(gather_batches(x, y, [np.array([2, 0])], [(0, 8)])))
    >>> tuple(batch["images"].shape), targets.numpy().tolist()
    ((2, 2, 2, 1), [[2, 0, 0, 0, 0, 0, 0, 0], [5, 2, 0, 0, 0, 0, 0, 0]])
    """
    if not batches:
        rows = tf.RaggedTensor.from_row_lengths(np.zeros(0, np.int64), np.zeros(0, np.int64))
    else:
        rows = tf.RaggedTensor.from_row_lengths(np.concatenate(batches), [len(batch) for batch in batches])
    widths = np.array(widths, dtype=np.int32).reshape(-1, 2)
    axis_of_width = {"source_ids": 0, "decoder_ids": 1}  # which of a batch's widths cuts each id input
    padded_widths = widths.max(axis=0, initial=0)
    x = {
        name: tf.constant(_pad_to(array, padded_widths[axis_of_width[name]]) if name in axis_of_width else array)
        for name, array in x.items()
    }
    y = tf.constant(_pad_to(y, padded_widths[1]))

    def gather(rows, widths):
        inputs = {name: tf.gather(array, rows) for name, array in x.items()}
        for name in inputs.keys() & axis_of_width.keys():
            inputs[name] = inputs[name][:, : widths[axis_of_width[name]]]
        return inputs, tf.gather(y, rows)[:, : widths[1]]

    return tf.data.Dataset.from_tensor_slices((rows, widths)).map(gather)


def _pad_to(array, width):
    """`array` `[n, steps]` padded with 0 on the right to at least `width` steps."""
    return np.pad(array, [(0, 0), (0, max(0, width - array.shape[1]))])
