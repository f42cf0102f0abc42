"""The examples in the docstrings run and print what they say, in every module of keras_seq2seq.

The modules are found with `pkgutil.walk_packages`, so a new module's examples run
without anyone listing it. A module that cannot be imported without something
optional goes in `NOT_IMPORTABLE`, with the reason, and is reported as skipped.
"""

import doctest
import importlib
import pkgutil

import pytest

import keras_seq2seq

# Module name -> why it cannot be imported in the test environment (every module can today).
NOT_IMPORTABLE = {}


def _module_names():
    """keras_seq2seq and every module and package under it; a package that fails to import fails here."""

    def fail(name):
        raise ImportError(f"walk_packages cannot import {name}")

    found = pkgutil.walk_packages(keras_seq2seq.__path__, "keras_seq2seq.", onerror=fail)
    return ["keras_seq2seq", *(info.name for info in found if info.name not in NOT_IMPORTABLE)]


def _doctests(name):
    module = importlib.import_module(name)
    return [test for test in doctest.DocTestFinder().find(module, name) if test.examples]


MODULES_WITH_EXAMPLES = [name for name in _module_names() if _doctests(name)]
SKIPPED = [pytest.param(name, marks=pytest.mark.skip(reason=reason)) for name, reason in NOT_IMPORTABLE.items()]


def test_the_discovery_finds_the_modules():
    assert {"keras_seq2seq", "keras_seq2seq.metrics", "keras_seq2seq.training.trainer"} <= set(MODULES_WITH_EXAMPLES)


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES + SKIPPED)
def test_docstring_examples(name):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in _doctests(name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"

