"""Preset folders: round trip, atomic saving, load errors, and every preset of the zoo."""

import json
import os

import keras
import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq import InputError, PresetError
from keras_seq2seq.data import caption_scenes, encode_pairs
from keras_seq2seq.models.preset import zoo_names, zoo_path

TEXTS = ["abc", "d", "cab", "dd", "abcd"]
PRESET_FILES = {"config.json", "model.weights.h5", "vocabulary.json"}


@pytest.fixture
def saved(make_model, randomize, tmp_path):
    """A PeekySeq2Seq with random weights, saved as a preset: `(model, folder)`."""
    model = make_model(ks.PeekySeq2Seq, reverse_source=True)
    randomize(model, seed=3)
    folder = tmp_path / "preset"
    model.save_to_preset(folder)
    return model, folder


def _copy_preset(source, destination, skip=()):
    destination.mkdir()
    for file in source.iterdir():
        if file.name not in skip:
            (destination / file.name).write_bytes(file.read_bytes())
    return destination


# === Round trip ===


def test_preset_round_trip_gives_identical_answers(saved):
    model, folder = saved
    assert {file.name for file in folder.iterdir()} == PRESET_FILES
    loaded = ks.PeekySeq2Seq.from_preset(str(folder))
    assert type(loaded) is ks.PeekySeq2Seq
    assert loaded.generate(TEXTS) == model.generate(TEXTS)
    x, _ = encode_pairs(model.tokenizer, TEXTS, TEXTS, 4, 4)
    np.testing.assert_array_equal(loaded(x), model(x))
    for name in ("embedding_dim", "hidden_dim", "num_encoder_layers", "reverse_source", "max_source_length"):
        assert getattr(loaded, name) == getattr(model, name)
    # The module-level loader and the base class load it too.
    assert type(ks.from_preset(folder)) is ks.PeekySeq2Seq
    assert ks.Seq2Seq.from_preset(folder).generate(TEXTS) == model.generate(TEXTS)


def test_preset_files_keep_the_vocabulary_beside_the_config(saved):
    _, folder = saved
    assert json.loads((folder / "vocabulary.json").read_text()) == list("abcd")
    config = json.loads((folder / "config.json").read_text())
    assert config["model"]["class_name"] == "PeekySeq2Seq"
    assert "vocabulary" not in config["model"]["config"]["tokenizer"]["config"]
    assert "compile_config" not in config["model"]


def test_a_trained_model_s_preset_holds_its_weights_not_its_optimizer_state(make_model, tmp_path):
    import h5py

    model = make_model(ks.AttentionSeq2Seq)
    x, y = encode_pairs(model.tokenizer, TEXTS, TEXTS, 4, 4)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert model.optimizer.variables  # Adam's moments exist
    model.save_to_preset(tmp_path / "trained")
    with h5py.File(tmp_path / "trained" / "model.weights.h5") as weights:
        assert "optimizer" not in weights
    np.testing.assert_array_equal(ks.from_preset(tmp_path / "trained")(x), model(x))


def test_plain_seq2seq_preset_is_not_a_peeky_one(make_model, tmp_path):
    make_model(ks.Seq2Seq).save_to_preset(tmp_path / "plain")
    assert type(ks.from_preset(tmp_path / "plain")) is ks.Seq2Seq
    with pytest.raises(InputError, match="holds a Seq2Seq, not a PeekySeq2Seq"):
        ks.PeekySeq2Seq.from_preset(tmp_path / "plain")


def test_saves_into_an_existing_empty_folder(make_model, tmp_path):
    (tmp_path / "empty").mkdir()
    make_model().save_to_preset(tmp_path / "empty")
    assert {file.name for file in (tmp_path / "empty").iterdir()} == PRESET_FILES


def test_refuses_a_non_empty_folder_and_leaves_it_alone(make_model, tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(PresetError, match="not empty"):
        make_model().save_to_preset(folder)
    assert [file.name for file in folder.iterdir()] == ["notes.txt"]
    assert sorted(os.listdir(tmp_path)) == ["taken"]


def test_refuses_an_existing_file(make_model, tmp_path):
    (tmp_path / "file").write_text("mine")
    with pytest.raises(PresetError, match="file"):
        make_model().save_to_preset(tmp_path / "file")


def test_a_failed_save_leaves_no_partial_folder(make_model, tmp_path, monkeypatch):
    model = make_model()

    def broken_save_weights(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save_weights", broken_save_weights)
    with pytest.raises(OSError, match="disk full"):
        model.save_to_preset(tmp_path / "new" / "preset")
    assert os.listdir(tmp_path / "new") == []  # neither the preset nor a staging folder


# === Load errors ===


def test_missing_preset_name(tmp_path):
    with pytest.raises(PresetError, match="no preset 'nope'"):
        ks.from_preset("nope")
    with pytest.raises(PresetError, match="nope"):
        ks.from_preset(str(tmp_path / "nope"))


def test_folder_without_config(saved, tmp_path):
    _, folder = saved
    broken = _copy_preset(folder, tmp_path / "broken", skip={"config.json"})
    with pytest.raises(PresetError, match="config.json is missing"):
        ks.from_preset(broken)


def test_folder_without_vocabulary(saved, tmp_path):
    _, folder = saved
    broken = _copy_preset(folder, tmp_path / "broken", skip={"vocabulary.json"})
    with pytest.raises(PresetError, match="vocabulary.json is missing"):
        ks.from_preset(broken)


def test_folder_without_weights(saved, tmp_path):
    _, folder = saved
    broken = _copy_preset(folder, tmp_path / "broken", skip={"model.weights.h5"})
    with pytest.raises(PresetError, match="model.weights.h5"):
        ks.from_preset(broken)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"model": {"class_name": "Seq2Seq", ', "is corrupt"),
        (b"\xff\xfe{}".decode("latin-1"), "is corrupt"),
        ("[]", "does not describe a model"),
        ('{"model": {"class_name": "NoSuchModel", "config": {}}}', "does not describe a model"),
        ('{"something": 1}', "does not describe a model"),
    ],
)
def test_corrupt_config(saved, tmp_path, text, message):
    _, folder = saved
    broken = _copy_preset(folder, tmp_path / "broken")
    (broken / "config.json").write_text(text, encoding="latin-1")
    with pytest.raises(PresetError, match=message) as error:
        ks.from_preset(broken)
    assert "config.json" in str(error.value)


def test_bad_vocabulary(saved, tmp_path):
    _, folder = saved
    broken = _copy_preset(folder, tmp_path / "broken")
    (broken / "vocabulary.json").write_text('["a", "a", "b", "c"]')
    with pytest.raises(PresetError):
        ks.from_preset(broken)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_weights(saved, tmp_path, damage):
    _, folder = saved
    broken = _copy_preset(folder, tmp_path / "broken")
    weights = broken / "model.weights.h5"
    data = weights.read_bytes()
    weights.write_bytes({"truncated": data[: len(data) // 2], "garbage": os.urandom(2000), "empty": b""}[damage])
    with pytest.raises(PresetError, match="model.weights.h5 cannot be loaded"):
        ks.from_preset(broken)


def test_weights_of_another_model(saved, make_model, tmp_path):
    _, folder = saved
    other = tmp_path / "other"
    make_model(ks.PeekySeq2Seq, hidden_dim=12).save_to_preset(other)
    broken = _copy_preset(folder, tmp_path / "broken", skip={"model.weights.h5"})
    (broken / "model.weights.h5").write_bytes((other / "model.weights.h5").read_bytes())
    with pytest.raises(PresetError, match="cannot be loaded"):
        ks.from_preset(broken)


# === The zoo ===

ZOO_CHECKS = {
    # Fixed answers of the trained preset; "0+0" is a known miss (see zoo/addition/card.md).
    "addition": (["16+75", "52+607", "999+999", "100+900", "5+5"], ["91", "659", "1998", "1000", "10"]),
    "date": (
        ["Tuesday, September 25, 1984", "9/25/84", "25 SEP 1984", "2049-12-31", "jan 1st, 1950", "7/4/49"],
        ["1984-09-25", "1984-09-25", "1984-09-25", "2049-12-31", "1950-01-01", "2049-07-04"],
    ),
    # Greedy answers (see zoo/chatbot/card.md); the emoji is an unknown word, answered anyway.
    "chatbot": (["Hello", "Are you sentient?", "How are you?", "hello 🦜"],
                ["hey!", "i am from south carolina", "i'm doing great! how are you?", "hey!"]),
    # Held-out scenes (digit images never trained on); see zoo/captioning/card.md for the misses.
    "captioning": (
        list(caption_scenes(5, seed=2026, split="held_out")[0]),
        ["a three above a nine and a zero", "a four and a nine above a three and a seven",
         "a two and a six above a six and an eight", "an eight at the bottom left", "a zero at the top left"],
    ),
}


def test_zoo_names_list_the_folders_with_a_config():
    names = zoo_names()
    assert names == sorted(names)
    assert all((zoo_path() / name / "config.json").is_file() for name in names)


def test_presets_load_by_name_from_the_zoo(saved, tmp_path, monkeypatch):
    model, folder = saved
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    _copy_preset(folder, zoo / "reverser")
    (zoo / "half_trained").mkdir()  # no config.json: not a preset
    monkeypatch.setattr("keras_seq2seq.models.preset.zoo_path", lambda: zoo)
    assert zoo_names() == ["reverser"]
    assert ks.from_preset("reverser").generate(TEXTS) == model.generate(TEXTS)
    with pytest.raises(PresetError, match=r"the zoo has: reverser\)"):
        ks.from_preset("reverse")


def test_every_zoo_preset_loads_and_answers():
    names = zoo_names()
    if not names:
        pytest.skip(f"the zoo ({zoo_path()}) has no trained preset yet")
    for name in names:
        model = ks.from_preset(name)
        assert isinstance(model, (ks.Seq2Seq, ks.ImageCaptioner)), name
        questions, answers = ZOO_CHECKS.get(name, (None, None))
        if questions is None:
            assert len(model.generate([model.tokenizer.vocabulary[0]])) == 1
            continue
        assert model.generate(questions) == answers, name


def test_a_local_folder_that_is_not_a_preset_does_not_hide_the_zoo(tmp_path, monkeypatch):
    (tmp_path / "addition").mkdir()  # e.g. a data folder named like the preset
    monkeypatch.chdir(tmp_path)
    assert ks.from_preset("addition").generate(["16+75"]) == ["91"]
