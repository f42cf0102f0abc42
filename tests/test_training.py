"""`training.train` on tiny recipes, and its errors (which come before any training)."""

import json

import keras
import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq import RecipeError
from keras_seq2seq.data import write_pairs
from keras_seq2seq.recipe import load_recipe
from keras_seq2seq.training import build_optimizer, train


def _recipe(tmp_path, data, **training):
    options = {"epochs": 1, "batch_size": 32, "jit_compile": False, **training}
    recipe = {
        "name": "tiny",
        "data": data,
        "model": {"class_name": "Seq2Seq", "embedding_dim": 4, "hidden_dim": 8},
        "training": options,
    }
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(recipe))
    return load_recipe(path)


@pytest.mark.slow  # by default: the example of keras_seq2seq.training.trainer.train (tests/test_docstrings.py)
def test_trains_the_addition_task_and_reports_history(tmp_path):
    recipe = _recipe(tmp_path, {"task": "addition", "train_size": 128, "validation_size": 40}, epochs=2)
    model, history = train(recipe, verbose=0)
    assert type(model) is ks.Seq2Seq and model.name == "tiny"
    assert (model.max_source_length, model.max_target_length) == (7, 4)
    assert model.tokenizer.vocabulary == list("0123456789+")
    for key in ("loss", "masked_accuracy", "exact_match", "val_loss", "val_masked_accuracy", "val_exact_match"):
        assert len(history[key]) == 2, key
    assert len(history["seconds"]) == 2 and all(s > 0 for s in history["seconds"])
    assert history["loss"][1] < history["loss"][0]  # 2 x 4 steps of Adam do lower the loss


def test_fewer_training_pairs_than_a_batch_is_an_error(tmp_path):
    write_pairs(tmp_path / "t.tsv", ["ab", "ba"] * 10, ["ba", "ab"] * 10)
    recipe = _recipe(tmp_path, {"train_tsv": "t.tsv", "validation_tsv": "t.tsv"}, batch_size=128)
    with pytest.raises(RecipeError):
        train(recipe, verbose=0)


@pytest.mark.parametrize(
    "data, model_class, message",
    [
        ({"task": "multiplication"}, "Seq2Seq", "unknown task 'multiplication'"),
        ({"train_tsv": "t.tsv"}, "Seq2Seq", "both train_tsv and validation_tsv"),
        ({}, "Seq2Seq", "either a task"),
        ({"task": "addition", "train_size": 64, "validation_size": 8}, "Transformer", "unknown model class"),
    ],
)
def test_recipe_errors(tmp_path, data, model_class, message):
    recipe = _recipe(tmp_path, data)
    recipe["model"]["class_name"] = model_class
    with pytest.raises(RecipeError, match=message):
        train(recipe, verbose=0)


def test_cosine_decay_ends_at_the_final_learning_rate():
    training = {"learning_rate": 0.01, "final_learning_rate": 0.001, "epochs": 4, "global_clipnorm": 1.0}
    optimizer = build_optimizer(training, steps_per_epoch=10)
    schedule = optimizer._learning_rate  # `learning_rate` gives the current value
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(40)) == pytest.approx(0.001)
    assert optimizer.global_clipnorm == 1.0
    constant = build_optimizer({**training, "final_learning_rate": None}, steps_per_epoch=10)
    assert float(np.asarray(constant.learning_rate)) == pytest.approx(0.01)


def test_a_mixed_precision_policy_must_be_known(tmp_path):
    with pytest.raises(RecipeError, match="mixed_precision must be one of mixed_float16, mixed_bfloat16"):
        _recipe(tmp_path, {"task": "addition"}, mixed_precision="float8")
