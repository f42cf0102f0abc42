"""Seq2Seq and PeekySeq2Seq: inputs and outputs, masking, config, `generate` and its errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq import InputError
from keras_seq2seq.data import encode_pairs
from keras_seq2seq.layers import Decoder, PeekyDecoder
from keras_seq2seq.metrics import ExactMatch, MaskedAccuracy

MODEL_CLASSES = [ks.Seq2Seq, ks.PeekySeq2Seq]
SOURCES = ["abc", "d", "cab", "dd"]
TARGETS = ["cba", "d", "bac", "dd"]


def _pad(array, width):
    return np.pad(array, [(0, 0), (0, width - array.shape[1])])


@pytest.mark.parametrize("model_class, decoder_class", [(ks.Seq2Seq, Decoder), (ks.PeekySeq2Seq, PeekyDecoder)])
def test_functional_model_inputs_and_outputs(make_model, model_class, decoder_class):
    model = make_model(model_class)
    assert type(model.decoder) is decoder_class
    assert set(model.input) == {"source_ids", "decoder_ids"}
    x, _ = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    logits = model(x)
    assert tuple(logits.shape) == (4, 5, model.tokenizer.vocabulary_size)
    # Any length works: the inputs have no fixed number of steps.
    shorter = {"source_ids": x["source_ids"][:, :2], "decoder_ids": x["decoder_ids"][:, :3]}
    assert tuple(model(shorter).shape) == (4, 3, 8)


def test_compile_defaults_to_masked_loss_metrics_and_xla(make_model):
    model = make_model()
    model.compile()
    assert model.jit_compile is True
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    assert model.loss.ignore_class == 0 and model.loss.from_logits
    x, y = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    model.compile(jit_compile=False)
    assert model.jit_compile is False
    logs = model.evaluate(x, y, batch_size=len(y), verbose=0, return_dict=True)
    assert set(logs) == {"loss", "masked_accuracy", "exact_match"}
    logits = model(x)
    for name, metric in (("masked_accuracy", MaskedAccuracy()), ("exact_match", ExactMatch())):
        metric.update_state(y, logits)
        assert logs[name] == pytest.approx(float(metric.result()), abs=1e-6), name
    assert logs["loss"] == pytest.approx(float(model.loss(y, logits)), rel=1e-5)


@pytest.mark.parametrize("model_class", MODEL_CLASSES)
@pytest.mark.parametrize("reverse_source", [False, True])
def test_masked_loss_is_unchanged_by_extra_right_padding(make_model, randomize, model_class, reverse_source):
    model = make_model(model_class, reverse_source=reverse_source)
    randomize(model)
    x, y = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    padded_x = {"source_ids": _pad(x["source_ids"], 9), "decoder_ids": _pad(x["decoder_ids"], 8)}
    padded_y = _pad(y, 8)
    logits, padded_logits = np.asarray(model(x)), np.asarray(model(padded_x))
    np.testing.assert_allclose(padded_logits[:, :5], logits, atol=1e-5)
    loss = float(model.loss(y, logits))
    assert float(model.loss(padded_y, padded_logits)) == pytest.approx(loss, rel=1e-5)
    evaluated = model.evaluate(padded_x, padded_y, batch_size=4, verbose=0, return_dict=True)
    assert evaluated["loss"] == pytest.approx(loss, rel=1e-5)

    # The same as the cross-entropy of each pair computed without any padding at all, by hand.
    total, count = 0.0, 0
    for source, target in zip(SOURCES, TARGETS):
        one_x, one_y = encode_pairs(model.tokenizer, [source], [target], len(source), len(target))
        one_logits = np.asarray(model(one_x))[0].astype("float64")
        log_probs = one_logits - np.log(np.exp(one_logits).sum(-1, keepdims=True))
        total -= log_probs[np.arange(len(one_y[0])), one_y[0]].sum()
        count += len(one_y[0])
    assert loss == pytest.approx(total / count, rel=1e-5)


@pytest.mark.parametrize("model_class", MODEL_CLASSES)
def test_config_round_trip_gives_the_same_outputs(make_model, randomize, model_class):
    model = make_model(model_class, reverse_source=True, num_encoder_layers=2, name="tiny")
    randomize(model)
    config = model.get_config()
    assert config["num_encoder_layers"] == 2 and config["reverse_source"] is True and config["name"] == "tiny"
    clone = model_class.from_config(config)
    clone.set_weights(model.get_weights())
    x, _ = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    np.testing.assert_allclose(clone(x), model(x), atol=1e-6)
    assert clone.generate(SOURCES) == model.generate(SOURCES)
    # Through Keras' own serialization too.
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert type(revived) is model_class and revived.tokenizer.vocabulary == list("abcd")


def test_keras_file_round_trip(make_model, randomize, tmp_path):
    model = make_model(ks.PeekySeq2Seq)
    randomize(model)
    model.save(tmp_path / "model.keras")
    revived = keras.saving.load_model(tmp_path / "model.keras")
    assert type(revived) is ks.PeekySeq2Seq
    assert revived.generate(SOURCES) == model.generate(SOURCES)


def test_generate_answers_every_text_in_order_whatever_the_batch_size(trained_model, reverse_pairs):
    sources, targets = reverse_pairs
    sample = sources[::17]
    answers = trained_model.generate(sample)
    assert answers == [targets[sources.index(s)] for s in sample]
    assert trained_model.generate(sample, batch_size=3) == answers
    assert trained_model.generate(tuple(sample)) == answers
    assert trained_model.generate([s.encode() for s in sample]) == answers
    assert trained_model.generate([]) == []


def test_decode_ids_returns_answer_end_then_padding(trained_model):
    model = trained_model
    source_ids = model.tokenizer.encode(["abcd", "a", "db"], model.max_source_length)
    ids, scores = model.decode_ids(tf.constant(source_ids))
    ids, scores = np.asarray(ids), np.asarray(scores)
    assert ids.tolist() == [[7, 6, 5, 4, 3], [4, 3, 0, 0, 0], [5, 7, 3, 0, 0]]
    assert scores.shape == (3,) and (scores <= 0).all() and (scores > -2.0).all()


@pytest.mark.parametrize(
    "texts, named",
    [
        (["ab", "abx"], "'abx'"),
        (["ab", ""], "empty"),
        (["abcda"], "'abcda' has 5 characters"),
        ([b"a\xff"], "b'a\\\\xff'"),
        ("abc", "not a single string"),
        (b"abc", "not a single string"),
        ([3], "expected a string"),
    ],
)
def test_generate_rejects_bad_input_naming_it(make_model, texts, named):
    model = make_model()
    with pytest.raises(InputError, match=named):
        model.generate(texts)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ks.Seq2SeqError) and issubclass(ks.Seq2SeqError, ValueError)


@pytest.mark.parametrize("model_class", [ks.Seq2Seq, ks.PeekySeq2Seq])
def test_tensorflow_variable_names_are_unique(model_class, tokenizer):
    # TF Serving's session-based loader cannot restore a SavedModel whose variable names collide.
    model = model_class(tokenizer=tokenizer, embedding_dim=4, hidden_dim=8, num_encoder_layers=2,
                        max_source_length=5, max_target_length=5)
    names = [variable.value.name for variable in model.weights]
    assert len(set(names)) == len(names), names
