"""From images and captions to teacher-forcing inputs and `tf.data` pipelines for an `ImageCaptioner`."""

import numpy as np
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.packing import teacher_forcing


def encode_captions(tokenizer, images, captions, max_target_length):
    """Returns `(x, y)` for `model.fit`: `x = {"images", "decoder_ids"}`, `y` = caption + end.

    `images` is a uint8 array `[n, height, width, channels]` (kept as uint8: the
    dataset scales it to 0..1); the id arrays are `[n, max_target_length + 1]`.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> x, y = encode_captions(CharTokenizer(list("ab ")), np.zeros((1, 4, 4, 1), np.uint8), ["ab"], 3)
    >>> x["decoder_ids"].tolist(), y.tolist()
    ([[2, 4, 5, 0]], [[4, 5, 3, 0]])
    """
    if len(images) != len(captions):
        raise InputError(f"{len(images)} images but {len(captions)} captions")
    for caption in captions:
        tokenizer.check(caption, max_target_length)
    decoder_ids, y = teacher_forcing(tokenizer, captions, max_target_length + 1)
    return {"images": np.asarray(images, np.uint8), "decoder_ids": decoder_ids}, y


def captions_dataset(tokenizer, images, captions, max_target_length, batch_size=128, shuffle=True, seed=0):
    """A batched `tf.data.Dataset` of `(x, y)`, images scaled to float32 0..1; whole batches when shuffling."""
    x, y = encode_captions(tokenizer, images, captions, max_target_length)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=shuffle)
    return dataset.map(_scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def _scale(x, y):
    return {"images": tf.cast(x["images"], tf.float32) / 255.0, "decoder_ids": x["decoder_ids"]}, y
