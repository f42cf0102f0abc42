"""`ImagePreprocessor`: an image model's inputs before decoding, in Python.

`generate` takes image files, encoded bytes or arrays of any size and channel count;
the encoder reads a float batch `[batch, height, width, channels]` in 0..1
(`keras_seq2seq.images.prepare_images` converts them). The exported graph does the
same in TensorFlow ops from encoded bytes (`export/image_signature.py`); the
examples here are its warm-up requests.

Example:
>>> import numpy as np
>>> preprocessor = ImagePreprocessor(image_size=(32, 32), channels=1)
>>> images = preprocessor.prepare([np.zeros((64, 64, 3), np.uint8)] * 3)  # RGB 64x64 to gray 32x32
>>> [(list(rows), batch.shape) for rows, batch in preprocessor.batches(images, batch_size=2)]
[([0, 1], (2, 32, 32, 1)), ([2], (1, 32, 32, 1))]
>>> [image[:4] for image in preprocessor.examples()]  # a PNG and a JPEG
[b'\\x89PNG', b'\\xff\\xd8\\xff\\xe0']
"""

import keras
import numpy as np
import tensorflow as tf

from keras_seq2seq.images import prepare_images


class ImagePreprocessor:
    """Images to float batches of the model's size; see the module docstring. Answers need no check."""

    input_kind = "images"
    input_name = "images"
    sequence_inputs = ()
    default_batch_size = 256

    def __init__(self, image_size, channels):
        self.image_size = tuple(image_size)
        self.channels = channels
        self.input_spec = tf.TensorSpec([None, *self.image_size, channels], tf.float32)

    def keras_input(self):
        return keras.Input(shape=(*self.image_size, self.channels), dtype="float32", name=self.input_name)

    def prepare(self, images):
        """`images` (paths, bytes or arrays of any size) as the model's float batch `[n, height, width, channels]`
        in 0..1; `InputError` names an image that cannot be read, or a single image in place of a list."""
        return prepare_images(images, self.image_size, self.channels)

    def batches(self, images, batch_size):
        """`[(rows, images [len(rows), height, width, channels])]` in the given order."""
        return [(range(begin, min(begin + batch_size, len(images))), images[begin : begin + batch_size])
                for begin in range(0, len(images), batch_size)]

    def check_answers(self, images, answers):
        return answers

    def examples(self):
        """Real encoded images: strokes on a dark canvas (PNG) and a blank canvas (JPEG).

        Drawn here rather than taken from a task's data: warm-up only has to run the
        decode, resize and decoding paths once, not to show a real scene.
        """
        height, width = self.image_size
        rows, columns = np.mgrid[0:height, 0:width]
        strokes = (np.abs(rows - columns) <= 1) | (np.abs(rows - height // 2) <= 1)  # a diagonal and a bar
        canvas = np.where(strokes, 255, 0).astype(np.uint8)[:, :, None].repeat(self.channels, axis=-1)
        blank = np.zeros_like(canvas)
        return [tf.io.encode_png(canvas).numpy(), tf.io.encode_jpeg(blank).numpy()]
