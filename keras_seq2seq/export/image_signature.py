"""The serving signature of an `ImageCaptioner`: encoded image bytes in, captions and scores out.

`serving_default(image_bytes: string [batch]) -> {"output": string [batch], "score": float [batch]}`.
Over REST the images travel as `{"b64": "..."}` instances (TF Serving decodes
them into the string tensor); over gRPC as a `DT_STRING` tensor. Decoding (PNG,
JPEG, GIF's first frame, BMP, with the model's channel count: color becomes
grayscale), scaling to 0..1 and resizing to the model's size all run in the
graph, so an image of another size or channel count is converted, not rejected.

Before anything is decoded, each image's size is read from its header (a few
bytes) and an image of more than `MAX_PIXELS` is refused: a 249 kB PNG can
declare 16000x16000 pixels, 1.4 GB once decoded. Bad bytes fail the request
with INVALID_ARGUMENT and one sentence naming the input (`input_checks.py`),
e.g. `input 1 is not a PNG, JPEG, GIF or BMP image`, or a truncated image with
the decode op's own error; the server keeps serving.
"""

import tensorflow as tf

from keras_seq2seq.images import decode_images
from keras_seq2seq.export.saved_model import answer_tensors
from keras_seq2seq.export.input_checks import require

INPUT_NAME = "image_bytes"
MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE  # 16.8 million: a 4096x4096 image, 200 MB as floats
FORMATS = "PNG, JPEG, GIF or BMP"


def image_serving_function(model, **options):
    """The exported graph of an `ImageCaptioner` (see the module docstring).

    Example:
    >>> import keras_seq2seq as ks
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = ks.ImageCaptioner(tokenizer=CharTokenizer(list("ab ")), hidden_dim=8, filters=(4,),
    ...                           max_target_length=4)
    >>> serve = image_serving_function(model)
    >>> sorted(serve(tf.constant(model.preprocessor.examples())))
    ['output', 'score']
    """

    def serve(image_bytes):
        height, width, known = header_sizes(image_bytes)
        checks = [  # in turn, so that an empty input is called empty rather than not an image
            lambda: require(
                tf.strings.length(image_bytes) > 0, lambda row: _sentence(row, f" is empty: give {FORMATS} bytes")
            ),
            lambda: require(known, lambda row: _sentence(row, f" is not a {FORMATS} image")),
            lambda: require(
                height * width <= MAX_PIXELS,
                lambda row: _sentence(row, [" is a ", tf.strings.as_string(width[row]), "x",
                                            tf.strings.as_string(height[row]),
                                            f" image; this model takes at most {MAX_PIXELS} pixels "
                                            f"({MAX_SIDE}x{MAX_SIDE})"]),
            ),
        ]
        passed = []
        for check in checks:
            with tf.control_dependencies(passed):
                passed = [check()]
        with tf.control_dependencies(passed):
            images = decode_images(image_bytes, model.image_size, model.channels)
        return answer_tensors(model.tokenizer, model.decode_ids(images, **options))

    return serve


def header_sizes(encoded):
    """`(height, width, known)` of each image (`int64`, `int64`, `bool` [batch]) from its header alone.

    `known` is False for bytes that are not PNG, JPEG, GIF or BMP (sizes 0).

    Example:
    >>> png = tf.io.encode_png(tf.zeros([3, 5, 1], tf.uint8))
    >>> [value.numpy().tolist() for value in header_sizes(tf.stack([png, b"nope"]))]
    [[3, 0], [5, 0], [True, False]]
    """
    head = tf.strings.substr(tf.strings.join([encoded, tf.fill(tf.shape(encoded), "\0" * 32)]), 0, 32)
    raw = tf.cast(tf.io.decode_raw(head, tf.uint8), tf.int64)  # [batch, 32]

    def number(start, size, big_endian):
        digits = [raw[:, start + i] for i in (range(size) if big_endian else reversed(range(size)))]
        value = tf.zeros_like(digits[0])
        for digit in digits:
            value = value * 256 + digit
        return value

    magic = tf.strings.substr(encoded, 0, 4)
    png = magic == b"\x89PNG"
    gif = tf.strings.substr(magic, 0, 3) == b"GIF"
    bmp = tf.strings.substr(magic, 0, 2) == b"BM"
    jpeg = tf.strings.substr(magic, 0, 2) == b"\xff\xd8"
    signed = lambda value: tf.abs(tf.where(value >= 2**31, value - 2**32, value))  # noqa: E731 (BMP's int32)
    jpeg_shapes = tf.map_fn(
        lambda item: tf.cond(item[1], lambda: tf.image.extract_jpeg_shape(item[0], tf.int64)[:2],
                             lambda: tf.zeros([2], tf.int64)),
        (encoded, jpeg),
        fn_output_signature=tf.TensorSpec([2], tf.int64),
    )
    zero = tf.zeros_like(raw[:, 0])
    height = tf.where(png, number(20, 4, True), tf.where(gif, number(8, 2, False), tf.where(
        bmp, signed(number(22, 4, False)), tf.where(jpeg, jpeg_shapes[:, 0], zero))))
    width = tf.where(png, number(16, 4, True), tf.where(gif, number(6, 2, False), tf.where(
        bmp, signed(number(18, 4, False)), tf.where(jpeg, jpeg_shapes[:, 1], zero))))
    return height, width, png | gif | bmp | jpeg


def _sentence(row, rest):
    return tf.strings.join(["input ", tf.strings.as_string(row)] + (rest if isinstance(rest, list) else [rest]))
