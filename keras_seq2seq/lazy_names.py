"""Package attributes imported when first read (PEP 562), for the packages that must import light.

`keras_seq2seq.data` and `keras_seq2seq.serving` name classes and functions whose
modules import TensorFlow; the command line imports both packages at start-up
and `keras-seq2seq query` must not wait for TensorFlow.
"""

import importlib


def lazy_getattr(package, attributes):
    """A module `__getattr__` for `package` that imports `attributes[name]` (a module path) when `name` is read.

    Example:
    >>> __getattr__ = lazy_getattr("demo", {"sqrt": "math"})
    >>> __getattr__("sqrt")(9.0)
    3.0
    >>> __getattr__("cbrt")
    Traceback (most recent call last):
    ...
    AttributeError: module 'demo' has no attribute 'cbrt'
    """

    def __getattr__(name):
        if name in attributes:
            return getattr(importlib.import_module(attributes[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
