"""Images in any usual form to the float batch an `ImageCaptioner` reads: the image side of preprocessing.

`text/` holds the tokenizers of text models; this package holds the same step
for image models, so that `models/` and `export/` need nothing from `data/`.
"""

from keras_seq2seq.images.conversion import decode_image_bytes, decode_images, prepare_images, read_image_bytes

__all__ = ["decode_image_bytes", "decode_images", "prepare_images", "read_image_bytes"]
