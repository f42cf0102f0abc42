"""Held-out inputs of a zoo preset, from its own task's held-out split, for the tests that compare its answers.

tests/zoo_answers.json keeps every preset's greedy answers to them (as digests: the
translation preset's inputs come from Debian's trans-de-en, which stays out of the
repository): tests/models/test_zoo_answers.py checks that the presets still answer so.

Example (in a test):
    model = ks.from_preset("addition")
    sources = held_out_inputs("addition", model, tmp_path)  # 100 sums the preset never trained on
"""

import hashlib
import json
from pathlib import Path

import pytest

import keras_seq2seq as ks
from keras_seq2seq.data.tasks import RECIPE_TASKS
from keras_seq2seq.errors import InputError
from keras_seq2seq.models.preset import resolve_preset

ZOO_PRESETS = ("addition", "date", "g2p", "chatbot", "translation", "captioning")
ANSWERS = Path(__file__).with_name("zoo_answers.json")
SEED = 11  # the split's pairs are fixed; the seed picks which 100 of a generated task's


def held_out_inputs(preset, model, folder, count=100):
    """The first `count` inputs of `preset`'s task's held-out split that `model` (the preset, loaded) reads.

    Texts, or a captioner's image paths; the split is written to `folder`. A text longer
    than the model reads is passed over (translation has some). Skips the test when the
    task's corpus is not installed (translation: Debian's trans-de-en).
    """
    task = RECIPE_TASKS[json.loads((resolve_preset(preset) / "recipe.json").read_text())["data"]["task"]]
    output = folder / f"{preset}_{task.default_split}"
    if task.images:
        task.write(str(output), task.default_split, count, SEED)
        return [str(path) for path in ks.data.load_captions(output)[0]]
    output = output.with_suffix(".tsv")
    try:
        task.write(str(output), task.default_split, 2 * count, SEED)
    except InputError as error:
        pytest.skip(f"{preset}: {error}")
    return [text for text in ks.data.load_pairs(output)[0] if readable(model, text)][:count]


def readable(model, text):
    try:
        model.model_sources([text])
        return True
    except InputError:
        return False


def answer_digests(answers):
    """The SHA-256 of each answer (hex, first 16 digits): what tests/zoo_answers.json keeps of them."""
    return [hashlib.sha256(answer.encode()).hexdigest()[:16] for answer in answers]


def record(folder):
    """Writes tests/zoo_answers.json: every preset's greedy answers to its held-out inputs, as digests.

    Run it (`python tests/zoo_inputs.py`) after retraining a preset, and commit the file with the weights.
    """
    recorded = {}
    for preset in ZOO_PRESETS:
        model = ks.from_preset(preset)
        recorded[preset] = answer_digests(model.generate(held_out_inputs(preset, model, folder)))
    ANSWERS.write_text(json.dumps(recorded, indent=1) + "\n")


if __name__ == "__main__":
    import tempfile

    record(Path(tempfile.mkdtemp()))
