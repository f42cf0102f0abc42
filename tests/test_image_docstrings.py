"""The examples in the captioning modules' docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "keras_seq2seq.data.captions",
    "keras_seq2seq.data.image_folder",
    "keras_seq2seq.data.images",
    "keras_seq2seq.data.scenes",
    "keras_seq2seq.export.image_signature",
    "keras_seq2seq.layers.image_encoder",
    "keras_seq2seq.models.encoder_decoder",
    "keras_seq2seq.models.image_captioner",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder().find(module, name)
    assert any(test.examples for test in tests), f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) of {name} failed (run with -s to see)"
