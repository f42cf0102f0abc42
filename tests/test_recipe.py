import json

import pytest

from keras_seq2seq import RecipeError
from keras_seq2seq.models.preset import zoo_path
from keras_seq2seq.recipe import IMAGE_CAPTIONER_SCHEMA, SCHEMA, load_recipe


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
    _assert_refused(_write(tmp_path, recipe), message)


def test_missing_file_and_invalid_json(tmp_path):
    with pytest.raises(RecipeError, match="no recipe file"):
        load_recipe(tmp_path / "missing.json")
    with pytest.raises(RecipeError, match="is not valid JSON"):
        load_recipe(_write(tmp_path, '{"data": '))


def test_the_captioning_preset_recipe_loads_with_its_values():
    recipe = load_recipe(zoo_path() / "captioning" / "recipe.json")
    assert set(recipe["model"]) == set(IMAGE_CAPTIONER_SCHEMA["model"])
    assert recipe["data"]["task"] == "scenes" and recipe["data"]["train_size"] == 12000
    assert {key: recipe["model"][key] for key in ("class_name", "decoder", "hidden_dim", "filters", "pooling")} == {
        "class_name": "ImageCaptioner", "decoder": "peeky", "hidden_dim": 64, "filters": [16, 32, 32],
        "pooling": "flatten",
    }
    assert recipe["training"]["final_learning_rate"] == 3e-05 and recipe["training"]["epochs"] == 14


def test_an_image_captioner_recipe_fills_in_the_constructors_defaults(tmp_path):
    recipe = load_recipe(_write(tmp_path, {"data": {"task": "scenes"}, "model": {"class_name": "ImageCaptioner"}}))
    assert recipe["model"] == {
        "class_name": "ImageCaptioner", "decoder": "attention", "score": "dot", "peeky": False, "embedding_dim": 16,
        "hidden_dim": 128, "num_decoder_layers": 1, "dropout": 0.0, "filters": [32, 64, 128], "backbone": None,
        "backbone_weights": None,
        "pooling": "flatten", "max_target_length": None,
    }
    recipe["model"]["filters"].append(256)  # each recipe has its own copy of a default list
    assert IMAGE_CAPTIONER_SCHEMA["model"]["filters"][0] == [32, 64, 128]


@pytest.mark.parametrize(
    "recipe, message",
    [
        ({"data": {"task": "addition"}, "model": {"decoder": "peeky"}},
         "model: decoder is an ImageCaptioner option, not one of PeekySeq2Seq's"),
        ({"data": {"task": "scenes"}, "model": {"class_name": "ImageCaptioner", "reverse_source": True}},
         "model: reverse_source is a text model option, not one of ImageCaptioner's"),
        ({"data": {"task": "scenes"}, "model": {"class_name": "Seq2Seq"}},
         "the scenes task is images: model.class_name must be ImageCaptioner, got 'Seq2Seq'"),
        ({"data": {"task": "scenes"}}, "model.class_name must be ImageCaptioner, got 'PeekySeq2Seq'"),
        ({"data": {"task": "addition"}, "model": {"class_name": "ImageCaptioner"}},
         "ImageCaptioner reads images: data.task must be one of scenes, got 'addition'"),
        ({"data": {"task": "scenes"}, "model": {"class_name": "ImageCaptioner", "filters": [16, "32"]}},
         r"model: filters must be list\[int\], got list \[16, '32'\]"),
        ({"data": {"task": "scenes"}, "model": {"class_name": "ImageCaptioner", "filters": 16}},
         r"filters must be list\[int\], got int 16"),
    ],
)
def test_options_of_the_other_kind_of_model_and_mismatched_tasks_are_refused(tmp_path, recipe, message):
    _assert_refused(_write(tmp_path, recipe), message)


def _assert_refused(path, message):
    """Loading the recipe at `path` raises a RecipeError that matches `message` and names the file."""
    with pytest.raises(RecipeError, match=message) as error:
        load_recipe(path)
    assert str(path) in str(error.value)


def test_a_captioners_backbone_weights_are_relative_to_the_recipe(tmp_path):
    model = {"class_name": "ImageCaptioner", "backbone": "MobileNetV2", "backbone_weights": "w.h5"}
    recipe = load_recipe(_write(tmp_path, {"data": {"task": "scenes"}, "model": model}))
    assert recipe["model"]["backbone_weights"] == str((tmp_path / "w.h5").resolve())
