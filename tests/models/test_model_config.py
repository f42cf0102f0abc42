"""Models' and blocks' configs start from Keras' own: name, trainable and dtype policy survive a round trip.

A model built with a `dtype` (a mixed precision policy here) keeps it through
`get_config`/`from_config` and through a preset; one built without keeps no dtype in
its config (Keras' global policy, which a recipe sets for training only), so that
presets trained in mixed precision, and the zoo's older configs, load in float32.
"""

import json

import keras
import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq.layers import AttentionDecoder, TextEncoder
from keras_seq2seq.models.preset import CONFIG_FILE, zoo_names, zoo_path


def _logits(model, sources=("ab", "dcba"), targets=("ba", "abcd")):
    x, _ = ks.data.encode_pairs(model.tokenizer, list(sources), list(targets), 4, 4)
    return keras.ops.convert_to_numpy(model(x))


def _assert_mixed(model):
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert model.encoder.lstms[0].compute_dtype == "bfloat16"
    assert model.decoder.embedding.compute_dtype == "bfloat16"
    assert model.decoder.lstm.compute_dtype == "bfloat16"
    assert model.decoder.affine.compute_dtype == "float32"  # logits, softmax and loss stay float32
    assert all(variable.dtype == "float32" for variable in model.weights)


@pytest.mark.parametrize("model_class", [ks.Seq2Seq, ks.AttentionSeq2Seq])
def test_name_trainable_and_dtype_policy_survive_from_config(make_model, model_class):
    model = make_model(model_class, dtype="mixed_bfloat16", name="mine", trainable=False)
    _assert_mixed(model)
    clone = model_class.from_config(model.get_config())
    _assert_mixed(clone)
    assert (clone.name, clone.trainable) == ("mine", False)
    assert clone.get_config() == model.get_config()


def test_a_mixed_precision_preset_keeps_its_policy_and_answers(make_model, randomize, tmp_path):
    model = make_model(ks.PeekySeq2Seq, dtype=keras.DTypePolicy("mixed_bfloat16"))
    randomize(model)
    model.save_to_preset(tmp_path / "mixed")
    config = json.loads((tmp_path / "mixed" / CONFIG_FILE).read_text())
    assert config["model"]["config"]["dtype"]["config"]["name"] == "mixed_bfloat16"
    loaded = ks.from_preset(tmp_path / "mixed")
    _assert_mixed(loaded)
    logits = _logits(model)
    assert logits.dtype == np.float32
    np.testing.assert_array_equal(_logits(loaded), logits)


@pytest.mark.parametrize("model_class", [ks.PeekySeq2Seq, ks.AttentionSeq2Seq])
def test_a_mixed_precision_model_decodes_greedy_beam_and_sampling(make_model, randomize, model_class):
    model = make_model(model_class, dtype=keras.DTypePolicy("mixed_bfloat16"))
    randomize(model)
    texts = ["abc", "d"]
    for options in ({}, {"beam_width": 3}, {"do_sample": True, "seed": 1}):
        answers = model.generate(texts, **options)
        assert len(answers) == 2 and all(set(answer) <= set("abcd") for answer in answers), options
    n_best = model.generate(texts, beam_width=3, num_return_sequences=2)
    assert [len(hypotheses) for hypotheses in n_best] == [2, 2]


def test_a_model_built_under_a_global_policy_saves_no_dtype(make_model):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = make_model()
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.decoder.lstm.compute_dtype == "bfloat16"
    assert "dtype" not in model.get_config()
    assert ks.Seq2Seq.from_config(model.get_config()).decoder.lstm.compute_dtype == "float32"


@pytest.mark.parametrize(
    "block",
    [
        lambda dtype: TextEncoder(15, 8, 16, reverse=True, bidirectional=True, dtype=dtype, name="encoder"),
        lambda dtype: AttentionDecoder(15, 8, 16, score="additive", dtype=dtype, name="decoder"),
    ],
    ids=["TextEncoder", "AttentionDecoder"],
)
def test_blocks_keep_their_policy_and_give_it_to_their_sublayers(block):
    layer = block(keras.DTypePolicy("mixed_bfloat16"))
    clone = type(layer).from_config(layer.get_config())
    assert clone.name == layer.name
    for built in (layer, clone):
        sublayers = [sublayer for sublayer in built._flatten_layers(include_self=False) if sublayer.name != "affine"]
        assert sublayers and {sublayer.compute_dtype for sublayer in sublayers} == {"bfloat16"}


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_configs_written_before_dtype_load_in_float32_and_are_written_again(name):
    written = json.loads((zoo_path() / name / CONFIG_FILE).read_text())["model"]["config"]
    assert "dtype" not in written
    model = ks.from_preset(name)
    assert model.dtype_policy.name == "float32" and model.decoder.lstm.compute_dtype == "float32"
    config = keras.saving.serialize_keras_object(model)["config"]
    for tokenizer in ("tokenizer", "target_tokenizer"):
        if tokenizer in config:
            del config[tokenizer]["config"]["vocabulary"]  # a preset keeps it in its own file
    assert {key: config[key] for key in written} == written
    assert config["trainable"] is True and "dtype" not in config
