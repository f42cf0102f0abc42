"""The examples in the docstrings run and print what they say."""

import doctest
import importlib

import pytest

from keras_seq2seq.models.preset import zoo_names

MODULES = [
    "keras_seq2seq.data.addition",
    "keras_seq2seq.data.captions",
    "keras_seq2seq.data.image_folder",
    "keras_seq2seq.data.images",
    "keras_seq2seq.data.scenes",
    "keras_seq2seq.export.image_signature",
    "keras_seq2seq.layers.image_encoder",
    "keras_seq2seq.models.encoder_decoder",
    "keras_seq2seq.models.image_captioner",
    "keras_seq2seq.data.dates",
    "keras_seq2seq.data.pipeline",
    "keras_seq2seq.data.pronunciations",
    "keras_seq2seq.data.tsv",
    "keras_seq2seq.layers.attention_decoder",
    "keras_seq2seq.layers.decoder",
    "keras_seq2seq.layers.fused_lstm",
    "keras_seq2seq.layers.length_aware_reverse",
    "keras_seq2seq.layers.peeky_decoder",
    "keras_seq2seq.layers.text_encoder",
    "keras_seq2seq.models.attention_seq2seq",
    "keras_seq2seq.models.peeky_seq2seq",
    "keras_seq2seq.models.seq2seq",
    "keras_seq2seq.text.char_tokenizer",
    "keras_seq2seq.text.date_input",
    "keras_seq2seq.text.iso_dates",
    "keras_seq2seq.text.special_tokens",
    "keras_seq2seq.text.symbol_tokenizer",
    "keras_seq2seq.text.tokenizer",
    "keras_seq2seq.text.word_piece_tokenizer",
    "keras_seq2seq.data.dialogue",
    "keras_seq2seq.data.ding",
    "keras_seq2seq.data.chitchat",
    "keras_seq2seq.data.hash_split",
    "keras_seq2seq.data.corpus_task",
    "keras_seq2seq.decoding.greedy",
    "keras_seq2seq.decoding.options",
    "keras_seq2seq.decoding.sampling",
    "keras_seq2seq.metrics",
    "keras_seq2seq.corpus_metrics",
    "keras_seq2seq.export.models_config",
    "keras_seq2seq.serving.limits",
    "keras_seq2seq.export.input_checks",
    "keras_seq2seq.serving.predict_protos",
    "keras_seq2seq.serving.metrics",
    "keras_seq2seq.serve_command",
]
NEEDS_ADDITION_PRESET = [
    "keras_seq2seq",
    "keras_seq2seq.models.preset",
    "keras_seq2seq.export.saved_model",
    "keras_seq2seq.export.op_check",
    "keras_seq2seq.chat",
    "keras_seq2seq.serving.signature_call",
]


def _run_doctests(name):
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder().find(module, name)
    assert any(test.examples for test in tests), f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    _run_doctests(name)


@pytest.mark.parametrize("name", NEEDS_ADDITION_PRESET)
def test_docstring_examples_that_load_the_addition_preset(name):
    if "addition" not in zoo_names():
        pytest.skip("the zoo has no addition preset yet")
    _run_doctests(name)
