"""Preset folders: `config.json` + `model.weights.h5` + `vocabulary.json`, found by name in the zoo.

A preset is data, not code (as in keras-hub): the model's config (which names
the tokenizer's class, `CharTokenizer` or `WordPieceTokenizer`), its weights,
and the tokenizer's vocabulary (characters or word pieces; `target_vocabulary.json` too when the
targets have a tokenizer of their own). Zoo presets ship inside the installed package,
so they load by name with no network and from any working directory.
"""

import importlib.resources
import json
import os
import shutil
import tempfile
from pathlib import Path

import keras

import keras_seq2seq.text  # noqa: F401  (registers every tokenizer class that config.json may name)
from keras_seq2seq.errors import PresetError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
VOCABULARY_FILE = "vocabulary.json"
# The targets' vocabulary, for a model whose targets have a tokenizer of their own.
TARGET_VOCABULARY_FILE = "target_vocabulary.json"


def zoo_path():
    """The folder of the installed zoo."""
    return Path(str(importlib.resources.files("keras_seq2seq.zoo")))


def zoo_names():
    """Names of the presets in the zoo, sorted."""
    return sorted(path.name for path in zoo_path().iterdir() if (path / CONFIG_FILE).is_file())


def resolve_preset(preset):
    """A preset folder from a folder path or a zoo name; `PresetError` if neither."""
    path = Path(preset)
    in_zoo = "/" not in str(preset) and (zoo_path() / str(preset) / CONFIG_FILE).is_file()
    if path.is_dir() and ((path / CONFIG_FILE).is_file() or not in_zoo):
        return path  # a preset folder (an incomplete one is reported when loading)
    if in_zoo:  # also when a folder of the same name that is not a preset is in the way
        return zoo_path() / str(preset)
    raise PresetError(
        f"no preset {str(preset)!r}: it is neither a folder nor a zoo preset "
        f"(the zoo has: {', '.join(zoo_names()) or 'nothing'})"
    )


def load_preset(preset):
    """Builds the model a preset describes and loads its weights.

    Example:
    >>> model = load_preset("addition")
    >>> model.generate(["16+75"])
    ['91']
    """
    path = resolve_preset(preset)
    config = _read_json(path, CONFIG_FILE)
    vocabulary = _read_json(path, VOCABULARY_FILE)
    try:
        model_config = dict(config["model"])
        model_config["config"] = dict(model_config["config"])
        model_config["config"]["tokenizer"]["config"]["vocabulary"] = vocabulary
        if "target_tokenizer" in model_config["config"]:
            target_vocabulary = _read_json(path, TARGET_VOCABULARY_FILE)
            model_config["config"]["target_tokenizer"]["config"]["vocabulary"] = target_vocabulary
        model = keras.saving.deserialize_keras_object(model_config)
    except (KeyError, TypeError, ValueError) as error:
        raise PresetError(f"{path / CONFIG_FILE} does not describe a model: {error}") from None
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise PresetError(f"preset {str(preset)!r} has no {WEIGHTS_FILE} in {path}")
    try:
        model.load_weights(weights)
    except Exception as error:  # h5py and Keras raise many kinds for a damaged file
        raise PresetError(f"{weights} cannot be loaded: {type(error).__name__}: {error}") from None
    return model


def save_preset(model, path, extra_files=None):
    """Writes the preset folder `path` atomically: it appears whole or not at all.

    `extra_files` maps file names to text written beside the preset (a recipe, a history).
    """
    path = Path(path)
    check_new_folder(path)
    model_config = keras.saving.serialize_keras_object(model)
    for training_only in ("compile_config", "build_config"):
        model_config.pop(training_only, None)
    vocabularies = {VOCABULARY_FILE: model_config["config"]["tokenizer"]["config"].pop("vocabulary")}
    if "target_tokenizer" in model_config["config"]:
        vocabularies[TARGET_VOCABULARY_FILE] = model_config["config"]["target_tokenizer"]["config"].pop("vocabulary")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        (staging / CONFIG_FILE).write_text(json.dumps({"model": model_config}, indent=2) + "\n")
        for name, vocabulary in vocabularies.items():
            (staging / name).write_text(json.dumps(vocabulary, ensure_ascii=False) + "\n")
        # The weights alone: a trained model's `save_weights` also writes its optimizer's
        # state (Adam's two moments triple the file), which a preset never uses.
        bare = type(model).from_config(model.get_config())
        bare.set_weights(model.get_weights())
        bare.save_weights(staging / WEIGHTS_FILE)
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        if path.exists():
            path.rmdir()
        os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_new_folder(path):
    """`PresetError` unless `path` is free for a new preset: absent, or an empty folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise PresetError(f"{path} is a file; give a new folder for the preset")
    if path.is_dir() and any(path.iterdir()):
        raise PresetError(f"{path} already exists and is not empty; choose a new folder")


def _read_json(folder, name):
    file = folder / name
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PresetError(f"{folder} is not a complete preset: {name} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PresetError(f"{file} is corrupt: {error}") from None
