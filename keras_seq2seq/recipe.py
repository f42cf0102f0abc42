"""Training recipes: one JSON file holds everything needed to retrain a preset, seed included.

Example recipe (every key optional but `data`):

    {"name": "addition", "seed": 1,
     "data": {"task": "addition", "train_size": 45000, "validation_size": 5000},
     "model": {"class_name": "PeekySeq2Seq", "embedding_dim": 16, "hidden_dim": 128,
               "reverse_source": true},
     "training": {"epochs": 25, "batch_size": 128, "learning_rate": 0.001,
                  "global_clipnorm": 5.0, "mixed_precision": "mixed_bfloat16"}}

`data` is either a generated task (`"task": "addition"`) or your own files
(`"train_tsv"`, `"validation_tsv"`, paths relative to the recipe file).

An image-captioning recipe names the `scenes` task and the `ImageCaptioner`
class, whose options replace the text models' (`IMAGE_CAPTIONER_SCHEMA`):

    {"name": "captioning", "data": {"task": "scenes", "train_size": 12000, "validation_size": 1000},
     "model": {"class_name": "ImageCaptioner", "decoder": "peeky", "hidden_dim": 64, "filters": [16, 32, 32]}}
"""

import copy
import json
import typing
from pathlib import Path

from keras_seq2seq.data.tasks import RECIPE_TASKS
from keras_seq2seq.errors import RecipeError

# Every key a recipe may hold, with its default (None: required or derived) and its type.
SCHEMA = {
    "name": ("model", str),
    "seed": (1, int),
    "data": {
        "task": (None, str),
        "train_size": (45000, int),
        "validation_size": (5000, int),
        "balance_digits": (0.0, float),
        # Word-piece tasks (dialogue, translation, chitchat): vocabulary size (None: the task's own);
        # translation only: also train on the dictionary's phrase pairs.
        "vocabulary_size": (None, int),
        "phrases": (False, bool),
        "train_tsv": (None, str),
        "validation_tsv": (None, str),
    },
    "model": {
        "class_name": ("PeekySeq2Seq", str),
        "embedding_dim": (16, int),
        "hidden_dim": (128, int),
        "num_encoder_layers": (1, int),
        "bidirectional_encoder": (False, bool),
        "num_decoder_layers": (1, int),
        "dropout": (0.0, float),
        "reverse_source": (True, bool),
        "max_source_length": (None, int),
        "max_target_length": (None, int),
        # AttentionSeq2Seq only ("dot" or "additive"; peeky false): left unset for the other models.
        "score": (None, str),
        "peeky": (None, bool),
        # None, "lowercase" (g2p), or a date model's "date_month_first" / "date_day_first" and "iso_date"
        # (keras_seq2seq.text.date_input, keras_seq2seq.text.iso_dates).
        "input_format": (None, str),
        "output_check": (None, str),
    },
    "training": {
        "epochs": (25, int),
        "batch_size": (128, int),
        "learning_rate": (0.001, float),
        "final_learning_rate": (None, float),
        "global_clipnorm": (5.0, float),
        "jit_compile": (True, bool),
        # None (float32), or a Keras mixed policy: float16/bfloat16 compute, float32 variables and logits.
        "mixed_precision": (None, str),
    },
}
MIXED_PRECISION_POLICIES = ("mixed_float16", "mixed_bfloat16")
# The one model class that reads images (the tasks with `images=True` in data/tasks.py).
IMAGE_CAPTIONER = "ImageCaptioner"
# An `ImageCaptioner` recipe: its `model` section holds the constructor options of
# keras_seq2seq/models/image_captioner.py (defaults included) in place of the text models';
# image_size and channels come from the task's images.
IMAGE_CAPTIONER_SCHEMA = {
    **SCHEMA,
    "model": {
        "class_name": (IMAGE_CAPTIONER, str),
        "decoder": ("attention", str),  # "plain", "peeky" or "attention"
        "score": ("dot", str),  # the attention decoder's; the others ignore it
        "peeky": (False, bool),  # the attention decoder's: the image state at every step too
        "embedding_dim": (16, int),
        "hidden_dim": (128, int),
        "num_decoder_layers": (1, int),
        "dropout": (0.0, float),
        "filters": ([32, 64, 128], list[int]),
        # A keras.applications name ("MobileNetV2", ...) in place of `filters`' CNN; its local weights file.
        "backbone": (None, str),
        "backbone_weights": (None, str),
        "pooling": ("flatten", str),
        "max_target_length": (None, int),
    },
}


def load_recipe(path):
    """Reads and checks a recipe file; returns the recipe with every default filled in."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError(f"no recipe file {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecipeError(f"{path} is not valid JSON: {error}") from None
    recipe = complete_recipe(raw, where=str(path))
    if recipe["training"]["mixed_precision"] not in (None, *MIXED_PRECISION_POLICIES):
        raise RecipeError(
            f"{path}: training: mixed_precision must be one of {', '.join(MIXED_PRECISION_POLICIES)}, "
            f"got {recipe['training']['mixed_precision']!r}"
        )
    for section, key in (("data", "train_tsv"), ("data", "validation_tsv"), ("model", "backbone_weights")):
        if recipe[section].get(key) is not None:
            recipe[section][key] = str((path.parent / recipe[section][key]).resolve())
    return recipe


def complete_recipe(raw, where):
    """`complete` with the schema of the recipe's model class, then `check_task_fits_model`.

    A text model's recipe completes to `SCHEMA`'s keys, an `ImageCaptioner`'s to
    `IMAGE_CAPTIONER_SCHEMA`'s; an option of the other kind of model is a `RecipeError`.

    Example:
    >>> recipe = complete_recipe({"data": {"task": "scenes"}, "model": {"class_name": "ImageCaptioner"}}, "recipe")
    >>> recipe["model"]["decoder"], recipe["model"]["filters"]
    ('attention', [32, 64, 128])
    >>> complete_recipe({"data": {"task": "addition"}, "model": {"decoder": "peeky"}}, "recipe")
    Traceback (most recent call last):
    ...
    keras_seq2seq.errors.RecipeError: recipe: model: decoder is an ImageCaptioner option, not one of PeekySeq2Seq's
    """
    recipe = complete(raw, _schema_of(raw, where), where)
    check_task_fits_model(recipe, where)
    return recipe


def check_task_fits_model(recipe, where="recipe"):
    """`RecipeError` unless image tasks go with `ImageCaptioner` and text data with the text models."""
    task, class_name = recipe["data"]["task"], recipe["model"]["class_name"]
    image_tasks = [name for name, registered in RECIPE_TASKS.items() if registered.images]
    if task in image_tasks and class_name != IMAGE_CAPTIONER:
        raise RecipeError(f"{where}: the {task} task is images: model.class_name must be {IMAGE_CAPTIONER}, "
                          f"got {class_name!r}")
    if class_name == IMAGE_CAPTIONER and task not in image_tasks:
        raise RecipeError(f"{where}: {IMAGE_CAPTIONER} reads images: data.task must be one of "
                          f"{', '.join(image_tasks)}, got {task!r}")


def _schema_of(raw, where):
    """The schema of `raw`'s model class; `RecipeError` for a model option of the other kind of model."""
    model = raw.get("model", {}) if isinstance(raw, dict) else {}
    if not isinstance(model, dict):
        return SCHEMA  # `complete` names the problem
    class_name = model.get("class_name", SCHEMA["model"]["class_name"][0])
    schema, other = SCHEMA, IMAGE_CAPTIONER_SCHEMA
    if class_name == IMAGE_CAPTIONER:
        schema, other = other, schema
    for key in model:
        if key not in schema["model"] and key in other["model"]:
            kind = "an ImageCaptioner" if other is IMAGE_CAPTIONER_SCHEMA else "a text model"
            raise RecipeError(f"{where}: model: {key} is {kind} option, not one of {class_name}'s")
    return schema


def complete(raw, schema, where):
    """Fills in defaults; `RecipeError` for an unknown key or a value of the wrong type."""
    if not isinstance(raw, dict):
        raise RecipeError(f"{where}: expected an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise RecipeError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(schema)})")
    result = {}
    for key, rule in schema.items():
        if isinstance(rule, dict):
            result[key] = complete(raw.get(key, {}), rule, f"{where}: {key}")
            continue
        default, kind = rule
        value = raw.get(key, copy.copy(default))  # a default list is the recipe's own, not the schema's
        if value is not None and kind is float and type(value) is int:
            value = float(value)
        if value is not None and not _is_a(value, kind):
            kind_name = kind.__name__ if isinstance(kind, type) else str(kind)  # `list[int]` has no name of its own
            raise RecipeError(f"{where}: {key} must be {kind_name}, got {type(value).__name__} {value!r}")
        result[key] = value
    return result


def _is_a(value, kind):
    """Whether `value` is of `kind`: a type (`int` is not `bool`), or `list[int]` and the like."""
    if typing.get_origin(kind) is list:
        (item_kind,) = typing.get_args(kind)
        return type(value) is list and all(type(item) is item_kind for item in value)
    return type(value) is kind
