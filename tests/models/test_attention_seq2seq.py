"""AttentionSeq2Seq: wiring, masking, config, training on the reversal task, attention weights, export."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq import InputError, RecipeError
from keras_seq2seq.data import encode_pairs
from keras_seq2seq.export.op_check import forbidden_ops
from keras_seq2seq.layers import AttentionDecoder
from keras_seq2seq.recipe import SCHEMA, complete
from keras_seq2seq.text import CharTokenizer
from keras_seq2seq.text.char_tokenizer import START_ID
from keras_seq2seq.training import build_model

SOURCES = ["abc", "d", "cab", "dd"]
TARGETS = ["cba", "d", "bac", "dd"]
VARIANTS = [("dot", False), ("dot", True), ("additive", False), ("additive", True)]


def _pad(array, width):
    return np.pad(array, [(0, 0), (0, width - array.shape[1])])


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_functional_model_inputs_and_outputs(make_model, score, peeky):
    model = make_model(ks.AttentionSeq2Seq, score=score, peeky=peeky)
    assert type(model.decoder) is AttentionDecoder
    assert (model.decoder.score, model.decoder.peeky) == (score, peeky)
    assert set(model.input) == {"source_ids", "decoder_ids"}
    x, _ = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    assert tuple(model(x).shape) == (4, 5, model.tokenizer.vocabulary_size)
    shorter = {"source_ids": x["source_ids"][:, :2], "decoder_ids": x["decoder_ids"][:, :3]}
    assert tuple(model(shorter).shape) == (4, 3, 8)


@pytest.mark.parametrize("score, peeky", VARIANTS)
@pytest.mark.parametrize("reverse_source", [False, True])
def test_a_mixed_length_batch_equals_each_example_alone(make_model, randomize, score, peeky, reverse_source):
    model = make_model(ks.AttentionSeq2Seq, score=score, peeky=peeky, reverse_source=reverse_source)
    randomize(model)
    x, _ = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    padded_x = {"source_ids": _pad(x["source_ids"], 9), "decoder_ids": _pad(x["decoder_ids"], 8)}
    logits = np.asarray(model(x))
    np.testing.assert_allclose(np.asarray(model(padded_x))[:, :5], logits, atol=1e-5)
    weights = model.attention_weights(SOURCES, TARGETS)
    for index, (source, target) in enumerate(zip(SOURCES, TARGETS)):
        one_x, _ = encode_pairs(model.tokenizer, [source], [target], len(source), len(target))
        alone = np.asarray(model(one_x))[0]
        np.testing.assert_allclose(logits[index, : len(target) + 1], alone, atol=1e-5, err_msg=source)
        (alone_weights,) = model.attention_weights([source], [target])
        assert weights[index].shape == (len(target) + 1, len(source))
        np.testing.assert_allclose(weights[index], alone_weights, atol=1e-6, err_msg=source)
        np.testing.assert_allclose(weights[index].sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_greedy_decoding_agrees_with_teacher_forcing(make_model, randomize, score, peeky):
    model = make_model(ks.AttentionSeq2Seq, score=score, peeky=peeky, reverse_source=True)
    randomize(model)
    source_ids = model.tokenizer.encode(SOURCES, model.max_source_length)
    ids, _ = model.decode_ids(tf.constant(source_ids))
    ids = np.asarray(ids)
    decoder_ids = np.concatenate([np.full((len(SOURCES), 1), START_ID, "int32"), ids[:, :-1]], axis=1)
    logits = np.asarray(model({"source_ids": source_ids, "decoder_ids": decoder_ids}))
    chosen = logits.argmax(-1)
    for row in range(len(SOURCES)):
        steps = ids[row] != 0
        np.testing.assert_array_equal(chosen[row][steps], ids[row][steps])


# The additive score's config by default: tests/layers/test_attention_decoder.py's test_config_round_trip.
@pytest.mark.parametrize("score, peeky", [("dot", True), pytest.param("additive", False, marks=pytest.mark.slow)])
def test_config_round_trip_gives_the_same_outputs(make_model, randomize, tmp_path, score, peeky):
    model = make_model(
        ks.AttentionSeq2Seq, score=score, peeky=peeky, reverse_source=True, num_encoder_layers=2, name="tiny"
    )
    randomize(model)
    config = model.get_config()
    assert config["score"] == score and config["peeky"] is peeky and "_decoder_options" not in config
    clone = ks.AttentionSeq2Seq.from_config(config)
    clone.set_weights(model.get_weights())
    x, _ = encode_pairs(model.tokenizer, SOURCES, TARGETS, 4, 4)
    np.testing.assert_allclose(clone(x), model(x), atol=1e-6)
    assert clone.generate(SOURCES) == model.generate(SOURCES)
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert type(revived) is ks.AttentionSeq2Seq and revived.decoder.score == score
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is ks.AttentionSeq2Seq and loaded.generate(SOURCES) == model.generate(SOURCES)
    model.save_to_preset(tmp_path / "preset")
    assert ks.from_preset(str(tmp_path / "preset")).generate(SOURCES) == model.generate(SOURCES)


@pytest.mark.parametrize("score, peeky", VARIANTS)
def test_tensorflow_variable_names_are_unique(tokenizer, score, peeky):
    model = ks.AttentionSeq2Seq(tokenizer=tokenizer, embedding_dim=4, hidden_dim=8, num_encoder_layers=2,
                                max_source_length=5, max_target_length=5, score=score, peeky=peeky)
    names = [variable.value.name for variable in model.weights]
    assert len(set(names)) == len(names), names


def test_attention_weights_rejects_bad_input(make_model):
    model = make_model(ks.AttentionSeq2Seq)
    with pytest.raises(InputError, match="not a single string"):
        model.attention_weights("abc")
    with pytest.raises(InputError, match="2 texts but 1 targets"):
        model.attention_weights(["ab", "c"], ["ba"])
    with pytest.raises(InputError, match="'abx'"):
        model.attention_weights(["abx"])
    assert model.attention_weights([]) == []


class _StopWhenPerfect(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = logs.get("exact_match", 0.0) >= 1.0


@pytest.fixture(scope="module", params=[("dot", False), ("additive", True)], ids=["dot", "additive-reversed"])
def trained_attention_model(request, reverse_pairs):
    """An AttentionSeq2Seq trained on the tiny reversal task (the second one reads its source backwards)."""
    score, reverse_source = request.param
    sources, targets = reverse_pairs
    keras.utils.set_random_seed(1)
    model = ks.AttentionSeq2Seq(
        tokenizer=CharTokenizer(list("abcd")), embedding_dim=8, hidden_dim=16, score=score,
        reverse_source=reverse_source, max_source_length=4, max_target_length=4,
    )
    model.compile(optimizer=keras.optimizers.Adam(0.03), jit_compile=False)
    x, y = encode_pairs(model.tokenizer, sources, targets, 4, 4)
    model.fit(x, y, batch_size=16, epochs=20, verbose=0, callbacks=[_StopWhenPerfect()])
    return model


def test_learns_the_reversal_task(trained_attention_model, reverse_pairs):
    sources, targets = reverse_pairs
    answers = trained_attention_model.generate(sources)
    exact = np.mean([a == t for a, t in zip(answers, targets)])
    assert exact >= 0.98, exact


def test_attention_of_the_reversal_task_is_the_anti_diagonal_in_source_order(trained_attention_model):
    # To write character t of the reversed text, the model should look at character n - 1 - t:
    # also when the encoder read the text backwards (attention_weights maps back to source order).
    texts = ["abcd", "dcba", "abca", "bd", "cab"]
    weights = trained_attention_model.attention_weights(texts, [text[::-1] for text in texts])
    hits = [w[t].argmax() == len(text) - 1 - t for text, w in zip(texts, weights) for t in range(len(text))]
    assert np.mean(hits) >= 0.9, weights


def test_export_passes_the_stock_server_check_and_answers_like_generate(trained_attention_model, tmp_path):
    model = trained_attention_model
    path = ks.export.export(model, tmp_path / "attention")
    assert forbidden_ops(path) == []
    texts = ["abcd", "a", "db", "cca"]
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    outputs = signature(text=tf.constant(texts))
    assert [o.decode() for o in outputs["output"].numpy()] == model.generate(texts)
    _, expected_scores = model.decode_ids(tf.constant(model.tokenizer.encode(texts, model.max_source_length)))
    np.testing.assert_allclose(outputs["score"].numpy(), expected_scores, atol=1e-5)


def _recipe(**model):
    return complete({"name": "tiny", "data": {"task": "addition"}, "model": model}, SCHEMA, where="test")


def test_recipes_build_attention_models_and_keep_other_models_unchanged():
    vocabulary, lengths = list("abcd"), (4, 4)
    model = build_model(_recipe(class_name="AttentionSeq2Seq", score="additive", peeky=True, hidden_dim=8),
                        vocabulary, lengths, steps_per_epoch=1)
    assert type(model) is ks.AttentionSeq2Seq and (model.score, model.peeky) == ("additive", True)
    default = build_model(_recipe(class_name="AttentionSeq2Seq", hidden_dim=8), vocabulary, lengths, 1)
    assert (default.score, default.peeky) == ("dot", False)
    plain = build_model(_recipe(class_name="Seq2Seq", hidden_dim=8), vocabulary, lengths, 1)
    assert type(plain) is ks.Seq2Seq and "score" not in plain.get_config()
    with pytest.raises(RecipeError, match="score is for AttentionSeq2Seq only"):
        build_model(_recipe(class_name="PeekySeq2Seq", score="dot"), vocabulary, lengths, 1)
    with pytest.raises(RecipeError, match="score must be one of"):
        build_model(_recipe(class_name="AttentionSeq2Seq", score="cosine"), vocabulary, lengths, 1)


@pytest.mark.parametrize("reverse_source", [False, True])
def test_greedy_attention_gives_generates_answers_with_their_teacher_forced_weights(make_model, randomize,
                                                                                   reverse_source):
    model = make_model(ks.AttentionSeq2Seq, score="additive", reverse_source=reverse_source)
    randomize(model)
    answers = model.greedy_attention(SOURCES)
    assert [a.answer for a in answers] == model.generate(SOURCES)
    assert [a.pieces for a in answers] == [list(a.answer) for a in answers]  # characters: the text is the pieces
    forced = model.attention_weights(SOURCES, [a.answer for a in answers])
    for source, answer, forced_weights, default in zip(SOURCES, answers, forced, model.attention_weights(SOURCES)):
        assert answer.weights.shape == (len(answer.pieces) + 1, len(source))
        np.testing.assert_allclose(answer.weights, forced_weights, atol=1e-6, err_msg=source)
        np.testing.assert_allclose(answer.weights, default, atol=1e-6, err_msg=source)
    assert model.greedy_attention([]) == []
    with pytest.raises(InputError, match=r"greedy_attention\(\) takes a list of strings"):
        model.greedy_attention("abc")


def test_greedy_attention_decodes_once(make_model, monkeypatch):
    model = make_model(ks.AttentionSeq2Seq)
    searches = []
    search = model.search
    monkeypatch.setattr(model, "search", lambda *args, **kwargs: searches.append(1) or search(*args, **kwargs))
    model.greedy_attention(["ab", "cd"])
    assert len(searches) == 1
