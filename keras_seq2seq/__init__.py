"""keras-seq2seq: RNN encoder-decoder models for Keras 3, from `model.fit` to TensorFlow Serving.

Example:
>>> import keras_seq2seq as ks
>>> ks.from_preset("addition").generate(["16+75", "52+607"])
['91', '659']
"""

import os

# Keras runs on TensorFlow unless the user chose a backend; tokenizers and export need TensorFlow.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_seq2seq import data, decoding, layers, models, text  # noqa: E402
from keras_seq2seq.errors import InputError, PresetError, RecipeError, Seq2SeqError  # noqa: E402
from keras_seq2seq.models import PeekySeq2Seq, Seq2Seq  # noqa: E402
from keras_seq2seq.models.preset import load_preset as from_preset  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "InputError",
    "PeekySeq2Seq",
    "PresetError",
    "RecipeError",
    "Seq2Seq",
    "Seq2SeqError",
    "data",
    "decoding",
    "from_preset",
    "layers",
    "models",
    "text",
]
