"""`array_batches`: NumPy arrays batched for `fit` as Keras batches them, by a pipeline that never stalls."""

import keras
import numpy as np
import tensorflow as tf


def array_batches(x, y, batch_size, shuffle=True, seed=None):
    """NumPy arrays `(x, y)` batched as Keras' `fit` batches them, as a `tf.data.Dataset` that never autotunes.

    Every pass draws a new order of the rows (with `shuffle`) and yields batches
    of `batch_size` rows, the last one shorter when they do not divide evenly;
    `x` is an array or a dict of arrays with as many rows as `y`.

    Why not let Keras batch the arrays: its pipeline autotunes, so each of its
    iterators runs an autotuning thread, and deleting the iterator waits for that
    thread. Keras deletes one iterator at the start of every epoch; while the
    training step kept both cores busy, that wait took 2 to 8 seconds on some
    epochs, with the main thread idle (docs/textbook_speed.md has the stack
    trace and the timings). Without autotuning the deletion is immediate.

    Example:
    >>> x = {"source_ids": np.arange(10).reshape(5, 2)}
    >>> batches = array_batches(x, np.arange(5), batch_size=2, shuffle=False)
    >>> [y.numpy().tolist() for _, y in batches]
    [[0, 1], [2, 3], [4]]
    >>> batches.options().autotune.enabled
    False
    """
    rows = tf.data.Dataset.range(len(y))
    if shuffle:
        rows = rows.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    arrays = tf.data.Dataset.from_tensors((x, y)).repeat()  # one copy, not one constant per batch

    def gather(batch_rows, arrays):
        return keras.tree.map_structure(lambda array: tf.gather(array, batch_rows), arrays)

    dataset = tf.data.Dataset.zip(rows.batch(batch_size), arrays).map(gather).prefetch(1)
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA  # as Keras'
    return dataset.with_options(options)
