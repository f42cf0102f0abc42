"""Images in any usual form to the float batch an `ImageCaptioner` reads, in Python and in the graph.

Both paths do the same thing: decode (PNG, JPEG, GIF's first frame, BMP) with the
model's channel count (color becomes grayscale for a grayscale model), scale to
floats in 0..1, and resize to the model's size (area averaging). So an
image of another size or channel count is converted, not rejected.
"""

import re
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_seq2seq.errors import InputError


def decode_images(encoded, image_size, channels):
    """Graph op: encoded images `string [batch]` to `float32 [batch, height, width, channels]` in 0..1.

    Bytes that are not an image raise TensorFlow's INVALID_ARGUMENT from the decode op.

    Example:
    >>> png = tf.io.encode_png(tf.fill([8, 8, 1], tf.constant(255, tf.uint8)))
    >>> decode_images(tf.stack([png]), (4, 4), 1).shape
    TensorShape([1, 4, 4, 1])
    """

    def decode(data, wanted):
        return tf.io.decode_image(data, channels=wanted, expand_animations=False, dtype=tf.float32)

    def decode_one(data):
        if channels == 1:  # GIF and BMP decode to color only (channels=1 is refused): to grayscale after
            color_only = (tf.strings.substr(data, 0, 3) == "GIF") | (tf.strings.substr(data, 0, 2) == "BM")
            image = tf.cond(color_only, lambda: tf.image.rgb_to_grayscale(decode(data, 3)), lambda: decode(data, 1))
        else:
            image = decode(data, channels)
        return tf.image.resize(image, image_size, method="area")

    output = tf.TensorSpec([*image_size, channels], tf.float32)
    return tf.map_fn(decode_one, encoded, fn_output_signature=output)


def prepare_images(images, image_size, channels):
    """A `float32` NumPy batch `[n, height, width, channels]` in 0..1 from a list of images or an array batch.

    Each image is a file path, encoded bytes (PNG, JPEG, GIF, BMP), or an array
    `[height, width]` or `[height, width, 1|3|4]` (integers 0..255, or floats 0..1).
    Raises `InputError` naming the image for a missing or corrupt file, bytes that
    are not an image, or an array of the wrong shape or range.

    Example:
    >>> prepare_images([np.zeros((64, 64, 3), np.uint8)], (32, 32), 1).shape
    (1, 32, 32, 1)
    """
    if isinstance(images, (str, bytes, Path)):
        raise InputError("expected a list of images (paths, bytes or arrays), not a single one")
    if isinstance(images, np.ndarray) and images.shape[1:] == (*image_size, channels):
        return _scaled(images, "images")  # already the model's shape: scaled in one go
    batch = [_prepare_one(image, index, image_size, channels) for index, image in enumerate(images)]
    if not batch:
        return np.zeros((0, *image_size, channels), np.float32)
    return np.stack(batch)


def read_image_bytes(path):
    """The bytes of the image file `path`; `InputError` if it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"no image file {path}") from None
    except OSError as error:
        raise InputError(f"cannot read the image {path}: {error.strerror}") from None


def decode_image_bytes(data, name, channels):
    """An encoded image to a `float32` tensor `[height, width, channels]` in 0..1; `InputError` naming `name`."""
    try:
        return tf.io.decode_image(data, channels=channels, expand_animations=False, dtype=tf.float32)
    except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as error:
        reason = re.sub(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:[^\]]*\]", "", error.message or "").strip()
        raise InputError(f"{name} is not a readable image (PNG, JPEG, GIF or BMP): {reason}") from None


def _prepare_one(image, index, image_size, channels):
    if isinstance(image, (str, Path)):
        image = decode_image_bytes(read_image_bytes(image), str(image), channels)
        return tf.image.resize(image, image_size, method="area").numpy()
    if isinstance(image, bytes):
        image = decode_image_bytes(image, f"image {index}", channels)
        return tf.image.resize(image, image_size, method="area").numpy()
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4) or min(array.shape[:2]) < 1:
        raise InputError(
            f"image {index} has shape {array.shape}; expected [height, width] or [height, width, 1, 3 or 4]"
        )
    array = _scaled(array, f"image {index}")
    if array.shape[-1] == 4:
        array = array[:, :, :3]  # alpha dropped, as the decoders do
    if channels == 1 and array.shape[-1] == 3:
        array = tf.image.rgb_to_grayscale(array)
    elif channels == 3 and array.shape[-1] == 1:
        array = tf.image.grayscale_to_rgb(array)
    return tf.image.resize(array, image_size, method="area").numpy()


def _scaled(array, name):
    """Integers 0..255 or floats 0..1 as `float32` 0..1; `InputError` naming `name` otherwise."""
    if array.size == 0:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer):
        if array.min() < 0 or array.max() > 255:
            raise InputError(f"{name} has integer values outside 0..255")
        return array.astype(np.float32) / 255.0
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:
            raise InputError(f"{name} has float values outside 0..1 (give uint8 for 0..255)")
        return array.astype(np.float32)
    raise InputError(f"{name} has values of type {array.dtype}; expected integers or floats")
