"""The recipe trainer on the `scenes` task: an `ImageCaptioner` preset, exact resume, and its recipe errors."""

import json
import re

import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq import RecipeError
from keras_seq2seq.data import scenes
from keras_seq2seq.recipe import load_recipe
from keras_seq2seq.training import train

from conftest import interrupt_then_resume, run_cli, uninterrupted_run, write_recipe

# 160 scenes in batches of 16, one bucket (captions padded to the longest): 10 whole batches an epoch.
STEPS_PER_EPOCH, EPOCHS = 10, 2


def _write_recipe(folder, model=None, **training):
    recipe = {
        "name": "tiny_captions",
        "seed": 3,
        "data": {"task": "scenes", "train_size": 160, "validation_size": 16},
        "model": {"class_name": "ImageCaptioner", "decoder": "peeky", "embedding_dim": 4, "hidden_dim": 8,
                  "filters": [4], **(model or {})},
        "training": {"epochs": EPOCHS, "batch_size": 16, "learning_rate": 0.01, "final_learning_rate": 0.001,
                     "jit_compile": False, **training},
    }
    return write_recipe(folder, recipe)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: `(recipe path, output folder, model, history)`."""
    return uninterrupted_run(_write_recipe(tmp_path_factory.mktemp("reference")))


def test_trains_a_captioning_preset_that_generates_captions(reference):
    _, output, model, history = reference
    assert type(model) is ks.ImageCaptioner and model.decoder_name == "peeky"
    assert (model.image_size, model.channels, model.max_target_length) == (
        scenes.IMAGE_SIZE, scenes.CHANNELS, scenes.MAX_CAPTION_LENGTH
    )
    assert model.tokenizer.vocabulary == scenes.VOCABULARY
    assert len(history["val_exact_match"]) == EPOCHS and np.isfinite(history["loss"]).all()
    assert {"config.json", "model.weights.h5", "recipe.json", "history.json"} <= {p.name for p in output.iterdir()}
    assert json.loads((output / "recipe.json").read_text())["model"]["filters"] == [4]
    preset = ks.from_preset(output)
    images, _ = scenes.caption_scenes(3, seed=9, split="held_out")
    captions = preset.generate(images)
    assert len(captions) == 3 and all(isinstance(caption, str) for caption in captions)
    assert captions == model.generate(images)


def test_an_interruption_at_a_known_batch_resumes_exactly(reference, tmp_path):
    recipe_path, _, reference_model, reference_history = reference
    progress, batches, model, history = interrupt_then_resume(load_recipe(recipe_path), tmp_path / "out",
                                                              epoch=1, batch=4, checkpoint_steps=3)
    assert (progress["epoch"], progress["step"]) == (1, 3)
    assert batches == STEPS_PER_EPOCH - 3  # resumed, not restarted
    for weights, expected in zip(model.get_weights(), reference_model.get_weights()):
        np.testing.assert_allclose(weights, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(history["val_loss"], reference_history["val_loss"], rtol=1e-6)


def test_the_cli_trains_a_scenes_recipe(tmp_path):
    path = _write_recipe(tmp_path, epochs=1)
    code, out, err = run_cli(["train", "--recipe", path, "--output", tmp_path / "out"])
    assert code == 0, err
    saved = rf"saved {re.escape(str(tmp_path / 'out'))}: validation exact match \d+\.\d\d% after 1 epochs"
    assert re.search(saved, out), out  # after Keras' progress bar
    assert type(ks.from_preset(tmp_path / "out")) is ks.ImageCaptioner


@pytest.mark.parametrize(
    "model, message",
    [
        ({"decoder": "transformer"}, "model.decoder must be one of plain, peeky, attention, got 'transformer'"),
        ({"score": "cosine"}, "model.score must be one of dot, additive, got 'cosine'"),
        ({"pooling": "max"}, "model.pooling must be one of flatten, average, got 'max'"),
        ({"backbone": "NoSuchNet"}, "model: no keras.applications model named 'NoSuchNet'"),
    ],
)
def test_bad_captioner_options_are_recipe_errors_before_training(tmp_path, monkeypatch, model, message):
    monkeypatch.setattr(ks.ImageCaptioner, "fit", lambda *args, **kwargs: pytest.fail("fit was called"))
    with pytest.raises(RecipeError, match=message):
        train(load_recipe(_write_recipe(tmp_path, model)), verbose=0)


def test_train_refuses_a_captioner_on_text_data_too(tmp_path):
    recipe = load_recipe(_write_recipe(tmp_path))
    recipe["data"]["task"] = "addition"  # a dict built by hand, not by load_recipe
    with pytest.raises(RecipeError, match="ImageCaptioner reads images: data.task must be one of scenes"):
        train(recipe, verbose=0)
