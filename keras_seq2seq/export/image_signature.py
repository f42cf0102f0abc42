"""The serving signature of an `ImageCaptioner`: encoded image bytes in, captions and scores out.

`serving_default(image_bytes: string [batch]) -> {"output": string [batch], "score": float [batch]}`.
Over REST the images travel as `{"b64": "..."}` instances (TF Serving decodes
them into the string tensor); over gRPC as a `DT_STRING` tensor. Decoding (PNG,
JPEG, GIF's first frame, BMP, with the model's channel count: color becomes
grayscale), scaling to 0..1 and resizing to the model's size all run in the
graph, so an image of another size or channel count is converted, not rejected.
Bytes that are not an image fail the request with INVALID_ARGUMENT (the decode
op's own error); the server keeps serving.
"""

import numpy as np
import tensorflow as tf

from keras_seq2seq.data.images import decode_images
from keras_seq2seq.export.saved_model import answer_tensors

INPUT_NAME = "image_bytes"


def image_serving_function(model, **options):
    """The exported graph of an `ImageCaptioner` (see the module docstring).

    Example:
    >>> import keras_seq2seq as ks
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = ks.ImageCaptioner(tokenizer=CharTokenizer(list("ab ")), hidden_dim=8, filters=(4,),
    ...                           max_target_length=4)
    >>> serve = image_serving_function(model)
    >>> sorted(serve(tf.constant(default_warmup_images(model))))
    ['output', 'score']
    """

    def serve(image_bytes):
        not_empty = tf.debugging.assert_positive(
            tf.strings.length(image_bytes), message="empty image: give PNG or JPEG bytes"
        )
        with tf.control_dependencies([not_empty]):
            images = decode_images(image_bytes, model.image_size, model.channels)
        return answer_tensors(model.tokenizer, model.decode_ids(images, **options))

    return serve


def default_warmup_images(model):
    """Real encoded images for the warm-up records: a generated scene (PNG) and a blank canvas (JPEG)."""
    from keras_seq2seq.data.scenes import caption_scenes

    scene, _ = caption_scenes(1, seed=0, split="held_out")
    scene = tf.image.resize(tf.convert_to_tensor(scene[0]), model.image_size, method="nearest")
    if model.channels == 3:
        scene = tf.image.grayscale_to_rgb(scene)
    blank = np.zeros((*model.image_size, model.channels), np.uint8)
    return [tf.io.encode_png(tf.cast(scene, tf.uint8)).numpy(), tf.io.encode_jpeg(blank).numpy()]
