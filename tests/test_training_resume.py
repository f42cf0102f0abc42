"""Checkpoints: a run killed at any moment resumes to the model an uninterrupted run gives; bad outputs and NaN."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq import PresetError, RecipeError
from keras_seq2seq.recipe import load_recipe
from keras_seq2seq.training import TrainingDiverged, train
from keras_seq2seq.training.checkpoint import OutputFolder

from conftest import interrupt_then_resume, uninterrupted_run, write_recipe

STEPS_PER_EPOCH, EPOCHS = 60, 2  # 960 pairs in batches of 16


def _write_recipe(folder, **training):
    recipe = {
        "name": "tiny",
        "seed": 5,
        "data": {"task": "addition", "train_size": 16 * STEPS_PER_EPOCH, "validation_size": 32},
        "model": {"class_name": "Seq2Seq", "embedding_dim": 4, "hidden_dim": 8},
        "training": {"epochs": EPOCHS, "batch_size": 16, "learning_rate": 0.01, "final_learning_rate": 0.001,
                     "jit_compile": False, **training},
    }
    return write_recipe(folder, recipe)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: `(recipe path, output folder, model, history)`."""
    return uninterrupted_run(_write_recipe(tmp_path_factory.mktemp("reference")))


class _BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def _assert_same_weights(model, other):
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def _progress(output):
    return json.loads((output / "training" / "progress.json").read_text())


@pytest.mark.slow  # by default: test_an_interruption_at_a_known_batch_resumes_exactly
def test_sigkill_mid_epoch_then_the_same_command_resumes_to_the_same_model(reference, tmp_path):
    recipe_path, _, reference_model, _ = reference
    output = tmp_path / "out"
    command = [sys.executable, "-m", "keras_seq2seq.cli", "train", "--recipe", str(recipe_path),
               "--output", str(output), "--checkpoint-steps", "3"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            progress_file = output / "training" / "progress.json"
            if progress_file.exists() and json.loads(progress_file.read_text() or "{}").get("step", 0) > 0:
                break  # mid-epoch: checkpoints exist and the next batches are running
            time.sleep(0.01)
        assert process.poll() is None, "training ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (output / "config.json").exists()
    done = _progress(output)
    done_batches = done["epoch"] * STEPS_PER_EPOCH + done["step"]
    assert 0 < done_batches < EPOCHS * STEPS_PER_EPOCH

    counter = _BatchCounter()
    model, history = train(load_recipe(recipe_path), output=output, verbose=0, checkpoint_steps=3, callbacks=[counter])
    assert counter.batches == EPOCHS * STEPS_PER_EPOCH - done_batches  # resumed, not restarted
    _assert_same_weights(model, reference_model)
    _assert_same_weights(ks.from_preset(output), reference_model)
    assert len(history["val_loss"]) == EPOCHS and not (output / "training").exists()


def test_an_interruption_at_a_known_batch_resumes_exactly(reference, tmp_path):
    recipe_path, _, reference_model, reference_history = reference
    progress, batches, model, history = interrupt_then_resume(load_recipe(recipe_path), tmp_path / "out",
                                                              epoch=1, batch=7, checkpoint_steps=3)
    assert (progress["epoch"], progress["step"]) == (1, 6)
    assert batches == STEPS_PER_EPOCH - 6
    _assert_same_weights(model, reference_model)
    np.testing.assert_allclose(history["val_loss"], reference_history["val_loss"], rtol=1e-6)


def test_the_output_folder_has_the_preset_logs_and_learning_curves(reference):
    _, output, _, history = reference
    assert {"config.json", "model.weights.h5", "vocabulary.json", "recipe.json", "history.json",
            "learning_curves.png", "logs"} == {path.name for path in output.iterdir()}
    assert list((output / "logs" / "train").glob("events.out.tfevents.*"))
    assert list((output / "logs" / "validation").glob("events.out.tfevents.*"))
    assert history["learning_rate"][0] > history["learning_rate"][-1] >= 0.001  # the cosine decay
    assert json.loads((output / "history.json").read_text())["val_exact_match"] == history["val_exact_match"]


def test_an_output_folder_of_another_recipe_is_refused_before_training(tmp_path, monkeypatch):
    path = _write_recipe(tmp_path)
    (tmp_path / "out" / "training").mkdir(parents=True)
    (tmp_path / "out" / "training" / "recipe.json").write_text(json.dumps(load_recipe(path)))
    other = load_recipe(_write_recipe(tmp_path, learning_rate=0.02))
    monkeypatch.setattr(ks.Seq2Seq, "fit", lambda *args, **kwargs: pytest.fail("fit was called"))
    with pytest.raises(RecipeError, match=r"another recipe \(training.learning_rate: 0.01 there, 0.02 here\)"):
        train(other, output=tmp_path / "out", verbose=0)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(PresetError, match="not empty"):
        train(other, output=tmp_path / "taken", verbose=0)


def test_the_output_folder_keeps_the_first_runs_vocabulary(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    assert folder.stored_vocabulary() is None
    folder.start({"name": "tiny"}, vocabulary=["ä", "b"])
    folder.start({"name": "tiny"}, vocabulary=["other"])  # a resumed run keeps the first one
    assert folder.stored_vocabulary() == ["ä", "b"]
    (folder.training / "vocabulary.json").write_text("[", encoding="utf-8")
    with pytest.raises(RecipeError, match="vocabulary.json is corrupt"):
        folder.stored_vocabulary()


def test_a_run_started_before_new_recipe_keys_existed_still_resumes(tmp_path):
    recipe = load_recipe(_write_recipe(tmp_path))
    older = json.loads(json.dumps(recipe))
    del older["data"]["phrases"], older["model"]["output_check"]  # keys a later library added, at their defaults
    (tmp_path / "out" / "training").mkdir(parents=True)
    (tmp_path / "out" / "training" / "recipe.json").write_text(json.dumps(older))
    OutputFolder(tmp_path / "out").check(recipe)  # the same recipe: no error
    recipe["data"]["phrases"] = True
    with pytest.raises(RecipeError, match=r"data.phrases: False there, True here"):
        OutputFolder(tmp_path / "out").check(recipe)


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    recipe = load_recipe(_write_recipe(tmp_path, epochs=1))
    recipe["data"].update(train_size=160, validation_size=16)

    class Poison(keras.callbacks.Callback):  # runs after the checkpoint of batch 4
        def on_train_batch_end(self, batch, logs=None):
            if batch == 3:
                weights = self.model.get_weights()
                weights[0][:] = np.nan
                self.model.set_weights(weights)

    with pytest.raises(TrainingDiverged, match=r"loss became nan in epoch 1, batch 5; .* last good checkpoint"):
        train(recipe, output=tmp_path / "out", verbose=0, checkpoint_steps=2, callbacks=[Poison()])
    progress = _progress(tmp_path / "out")
    assert (progress["epoch"], progress["step"]) == (0, 4)
    model = ks.Seq2Seq(ks.text.CharTokenizer(list("0123456789+")), 4, 8, max_source_length=7, max_target_length=4)
    model.load_weights(tmp_path / "out" / "training" / progress["weights"], skip_mismatch=True)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert not (tmp_path / "out" / "config.json").exists()


# mixed_bfloat16 with --run-slow: tests/models/test_model_config.py builds bfloat16 models by default.
@pytest.mark.parametrize("policy", [pytest.param("mixed_bfloat16", marks=pytest.mark.slow), "mixed_float16"])
def test_mixed_precision_keeps_variables_logits_and_loss_in_float32(tmp_path, policy):
    recipe = load_recipe(_write_recipe(tmp_path, mixed_precision=policy, epochs=1))
    recipe["data"].update(train_size=32, validation_size=16)
    model, history = train(recipe, verbose=0)
    assert keras.config.dtype_policy().name == "float32"  # restored after training
    assert model.decoder.lstm.compute_dtype == policy.removeprefix("mixed_")
    assert all(variable.dtype == "float32" for variable in model.trainable_variables)
    x, _ = ks.data.encode_pairs(model.tokenizer, ["1+2"], ["3"], 7, 4)
    assert model(x).dtype == "float32"
    assert np.isfinite(history["loss"]).all()
