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
"""

import json
from pathlib import Path

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


def load_recipe(path):
    """Reads and checks a recipe file; returns the recipe with every default filled in."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError(f"no recipe file {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecipeError(f"{path} is not valid JSON: {error}") from None
    recipe = complete(raw, SCHEMA, where=str(path))
    if recipe["training"]["mixed_precision"] not in (None, *MIXED_PRECISION_POLICIES):
        raise RecipeError(
            f"{path}: training: mixed_precision must be one of {', '.join(MIXED_PRECISION_POLICIES)}, "
            f"got {recipe['training']['mixed_precision']!r}"
        )
    for key in ("train_tsv", "validation_tsv"):
        if recipe["data"][key] is not None:
            recipe["data"][key] = str((path.parent / recipe["data"][key]).resolve())
    return recipe


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
        value = raw.get(key, default)
        if value is not None and kind is float and type(value) is int:
            value = float(value)
        if value is not None and type(value) is not kind:
            raise RecipeError(
                f"{where}: {key} must be {kind.__name__}, got {type(value).__name__} {value!r}"
            )
        result[key] = value
    return result
