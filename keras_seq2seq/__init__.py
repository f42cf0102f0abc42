"""keras-seq2seq: RNN encoder-decoder models for Keras 3, from `model.fit` to TensorFlow Serving.

Example:
>>> import keras_seq2seq as ks
>>> ks.from_preset("addition").generate(["16+75", "52+607"])
['91', '659']

Every submodule is an attribute (`ks.data`, `ks.metrics`, `ks.training`, ...), imported
on first use (PEP 562 `__getattr__`), so that `import keras_seq2seq` and
`keras-seq2seq --help` do not pay for importing TensorFlow.
"""

import importlib
import os

# Keras runs on TensorFlow unless the user chose a backend; tokenizers and export need TensorFlow.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# TensorFlow's C++ start-up messages (CUDA probing, CPU features) unless the user asked for them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_seq2seq.errors import InputError, PresetError, RecipeError, Seq2SeqError  # noqa: E402

__version__ = "0.1.0"

# Every module and package of keras_seq2seq but `zoo` (data, not code); tests/test_package.py checks the list.
_SUBMODULES = (
    "chat",
    "cli",
    "corpus_metrics",
    "data",
    "decoding",
    "errors",
    "evaluation",
    "export",
    "images",
    "layers",
    "lazy_names",
    "metrics",
    "models",
    "plots",
    "recipe",
    "serving",
    "text",
    "training",
    "widths",
)
_ATTRIBUTES = {
    "AttentionSeq2Seq": "keras_seq2seq.models",
    "ImageCaptioner": "keras_seq2seq.models",
    "Seq2Seq": "keras_seq2seq.models",
    "PeekySeq2Seq": "keras_seq2seq.models",
    "from_preset": "keras_seq2seq.models",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_seq2seq.{name}")
    if name in _ATTRIBUTES:
        module = importlib.import_module(_ATTRIBUTES[name])
        return getattr(module, "load_preset" if name == "from_preset" else name)
    raise AttributeError(f"module 'keras_seq2seq' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_SUBMODULES, *_ATTRIBUTES})


__all__ = [
    "AttentionSeq2Seq",
    "ImageCaptioner",
    "InputError",
    "PeekySeq2Seq",
    "PresetError",
    "RecipeError",
    "Seq2Seq",
    "Seq2SeqError",
    "data",
    "decoding",
    "export",
    "from_preset",
    "images",
    "layers",
    "lazy_names",
    "metrics",
    "models",
    "recipe",
    "serving",
    "text",
    "training",
]
