"""Shared tiny fixtures: a 4-letter tokenizer, untrained tiny models and one trained tiny model.

The trained model learns to reverse every string of 1 to 4 letters over "abcd"
(340 strings); it is trained once per session, for at most 30 epochs, and the
fixture fails loudly if it does not answer every string correctly, so the tests
that compare greedy decoding with teacher forcing never rely on a half-trained model.
"""

import contextlib
import io
import itertools
import sys

import keras
import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq.text import CharTokenizer

LETTERS = "abcd"
MAX_LENGTH = 4


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False, help="run tests marked slow")


def pytest_configure(config):
    # Keras converts tensors with np.array(x, copy=False) first; NumPy 2 warns about it on every call.
    config.addinivalue_line("filterwarnings", "ignore:__array__ implementation doesn't accept a copy keyword")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: give --run-slow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


def all_strings(letters=LETTERS, max_length=MAX_LENGTH):
    """Every string of 1 to `max_length` characters over `letters`, shortest first."""
    return ["".join(chars) for n in range(1, max_length + 1) for chars in itertools.product(letters, repeat=n)]


@pytest.fixture(scope="session")
def tokenizer():
    return CharTokenizer(list(LETTERS))


@pytest.fixture(scope="session")
def reverse_pairs():
    sources = all_strings()
    return sources, [text[::-1] for text in sources]


def tiny_model(model_class=ks.Seq2Seq, seed=0, **overrides):
    """An untrained, built, compiled (no XLA) tiny model over "abcd"."""
    keras.utils.set_random_seed(seed)
    options = dict(
        embedding_dim=6,
        hidden_dim=8,
        reverse_source=False,
        max_source_length=MAX_LENGTH,
        max_target_length=MAX_LENGTH,
    )
    options.update(overrides)
    model = model_class(tokenizer=CharTokenizer(list(LETTERS)), **options)
    model.compile(jit_compile=False)
    return model


@pytest.fixture
def make_model():
    """`make_model(model_class=Seq2Seq, seed=0, **options)`: see `tiny_model`."""
    return tiny_model


@pytest.fixture
def randomize():
    """`randomize(model, seed=0, scale=0.5)`: see `randomize_weights`."""
    return randomize_weights


def randomize_weights(model, seed=0, scale=0.5):
    """Replaces every weight with noise, so that differences are not hidden by zero biases."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, scale, size=w.shape).astype("float32") for w in model.get_weights()])


class _StopWhenPerfect(keras.callbacks.Callback):
    """Stops once the weights at the end of an epoch answer every training pair (not the epoch's mean)."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def on_epoch_end(self, epoch, logs=None):
        if logs and logs.get("exact_match", 0.0) >= 0.98:
            result = self.model.evaluate(self.x, self.y, batch_size=len(self.y), verbose=0, return_dict=True)
            self.model.stop_training = result["exact_match"] >= 1.0


@pytest.fixture(scope="session")
def trained_model(reverse_pairs):
    """A PeekySeq2Seq that reverses 1-4 letter strings over "abcd", checked to answer all of them."""
    sources, targets = reverse_pairs
    keras.utils.set_random_seed(1)
    model = ks.PeekySeq2Seq(
        tokenizer=CharTokenizer(list(LETTERS)),
        embedding_dim=8,
        hidden_dim=16,
        reverse_source=False,
        max_source_length=MAX_LENGTH,
        max_target_length=MAX_LENGTH,
    )
    model.compile(optimizer=keras.optimizers.Adam(0.03), jit_compile=False)
    x, y = ks.data.encode_pairs(model.tokenizer, sources, targets, MAX_LENGTH, MAX_LENGTH)
    model.fit(x, y, batch_size=16, epochs=30, verbose=0, callbacks=[_StopWhenPerfect(x, y)])
    answers = model.generate(sources)
    wrong = [(s, a) for s, a, t in zip(sources, answers, targets) if a != t]
    assert not wrong, f"the tiny reversal model is wrong on {len(wrong)}/{len(sources)}: {wrong[:5]}"
    return model


def run_cli(argv, stdin=None):
    """Runs the command line's `main(argv)` in-process; returns `(exit code, stdout, stderr)`."""
    from keras_seq2seq.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(arg) for arg in argv])
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def interrupt_then_resume(recipe, output, epoch, batch, checkpoint_steps):
    """Trains `recipe` into `output`, interrupted after batch `batch` of epoch `epoch`, then resumes it.

    Returns `(progress, batches, model, history)`: the checkpoint's `progress.json` at the
    interruption, how many batches the resumed run trained, and what it returned.
    """
    import json

    from keras_seq2seq.training import train

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch_index, logs=None):
            self.epoch = epoch_index

        def on_train_batch_end(self, batch_index, logs=None):
            if (self.epoch, batch_index) == (epoch, batch):
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(recipe, output=output, verbose=0, checkpoint_steps=checkpoint_steps, callbacks=[Interrupt()])
    progress = json.loads((output / "training" / "progress.json").read_text())
    batches = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda index, logs: batches.append(index))
    model, history = train(recipe, output=output, verbose=0, checkpoint_steps=checkpoint_steps, callbacks=[counter])
    return progress, len(batches), model, history


def write_recipe(folder, recipe):
    """Writes `recipe` (a dict) to `folder/recipe.json`; returns the path."""
    import json
    from pathlib import Path

    path = Path(folder) / "recipe.json"
    path.write_text(json.dumps(recipe))
    return path


def uninterrupted_run(recipe_path):
    """Trains the recipe at `recipe_path` into the `out` folder beside it in one go, checkpointing every 3 batches.

    Returns `(recipe path, output folder, model, history)`: the reference a resumed run must equal.
    """
    from keras_seq2seq.recipe import load_recipe
    from keras_seq2seq.training import train

    output = recipe_path.parent / "out"
    model, history = train(load_recipe(recipe_path), output=output, verbose=0, checkpoint_steps=3)
    return recipe_path, output, model, history
