import json

import pytest

from keras_seq2seq import RecipeError
from keras_seq2seq.recipe import SCHEMA, load_recipe


def _write(tmp_path, recipe, name="recipe.json"):
    path = tmp_path / name
    path.write_text(recipe if isinstance(recipe, str) else json.dumps(recipe))
    return path


def test_fills_in_every_default(tmp_path):
    recipe = load_recipe(_write(tmp_path, {"data": {"task": "addition"}}))
    assert set(recipe) == set(SCHEMA)
    assert recipe["data"]["task"] == "addition"
    for section in ("data", "model", "training"):
        assert set(recipe[section]) == set(SCHEMA[section])
    assert recipe["model"]["class_name"] == "PeekySeq2Seq"
    assert recipe["training"]["jit_compile"] is True
    assert recipe["model"]["max_source_length"] is None


def test_keeps_given_values_and_widens_ints_to_floats(tmp_path):
    recipe = load_recipe(
        _write(tmp_path, {"seed": 9, "data": {"task": "addition"}, "training": {"epochs": 2, "learning_rate": 1}})
    )
    assert recipe["seed"] == 9 and recipe["training"]["epochs"] == 2
    assert recipe["training"]["learning_rate"] == 1.0 and type(recipe["training"]["learning_rate"]) is float


def test_resolves_tsv_paths_relative_to_the_recipe(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    path = _write(tmp_path / "sub", {"data": {"train_tsv": "t.tsv", "validation_tsv": "../v.tsv"}})
    monkeypatch.chdir("/")
    recipe = load_recipe(path)
    assert recipe["data"]["train_tsv"] == str((tmp_path / "sub" / "t.tsv").resolve())
    assert recipe["data"]["validation_tsv"] == str((tmp_path / "v.tsv").resolve())


@pytest.mark.parametrize(
    "recipe, message",
    [
        ({"data": {"task": "addition"}, "epochs": 3}, "unknown key 'epochs'"),
        ({"data": {"task": "addition", "size": 3}}, "data: unknown key 'size'"),
        ({"training": {"epochs": "5"}}, "training: epochs must be int, got str '5'"),
        ({"training": {"epochs": True}}, "epochs must be int, got bool"),
        ({"training": {"epochs": 2.0}}, "epochs must be int, got float"),
        ({"model": {"reverse_source": 1}}, "reverse_source must be bool, got int"),
        ({"training": {"learning_rate": "fast"}}, "learning_rate must be float"),
        ({"data": ["a.tsv"]}, "data: expected an object, got list"),
        (["not", "an", "object"], "expected an object, got list"),
    ],
)
def test_rejects_unknown_keys_and_wrong_types_naming_them(tmp_path, recipe, message):
    path = _write(tmp_path, recipe)
    with pytest.raises(RecipeError, match=message) as error:
        load_recipe(path)
    assert str(path) in str(error.value)


def test_missing_file_and_invalid_json(tmp_path):
    with pytest.raises(RecipeError, match="no recipe file"):
        load_recipe(tmp_path / "missing.json")
    with pytest.raises(RecipeError, match="is not valid JSON"):
        load_recipe(_write(tmp_path, '{"data": '))
