"""Bidirectional and stacked encoders, stacked decoders, dropout, and a tokenizer of the targets' own."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.layers import TextEncoder
from keras_seq2seq.text import CharTokenizer

DEEP = dict(num_encoder_layers=2, bidirectional_encoder=True, num_decoder_layers=2, dropout=0.3)


def test_bidirectional_encoder_ignores_extra_right_padding():
    keras.utils.set_random_seed(0)
    encoder = TextEncoder(vocabulary_size=9, embedding_dim=4, hidden_dim=6, num_layers=2, bidirectional=True)
    ids = np.array([[5, 6, 7, 0], [8, 0, 0, 0]], "int32")
    padded = np.pad(ids, [(0, 0), (0, 5)])
    sequence, state = encoder(ids)
    more_sequence, more_state = encoder(padded)
    assert tuple(sequence.shape) == (2, 4, 6) and tuple(state[0].shape) == (2, 6)
    for a, b in zip(state, more_state):
        np.testing.assert_allclose(a, b, atol=1e-6)
    real = (ids != 0)[:, :, None]
    np.testing.assert_allclose(np.where(real, sequence, 0), np.where(real, more_sequence[:, :4], 0), atol=1e-6)
    # The backward half reads the real tokens backwards: its state after the whole row is
    # its output at the first step, and it differs from the forward half's.
    half = 3
    np.testing.assert_allclose(state[0][0, half:], sequence[0, 0, half:], atol=1e-6)
    np.testing.assert_allclose(state[0][0, :half], sequence[0, 2, :half], atol=1e-6)


def test_bidirectional_needs_an_even_hidden_dim():
    with pytest.raises(ValueError, match="even"):
        TextEncoder(vocabulary_size=9, embedding_dim=4, hidden_dim=5, bidirectional=True)


# The AttentionSeq2Seq case (a deep encoder and decoder, and attention) runs by default; the others with --run-slow.
@pytest.mark.parametrize(
    "model_class",
    [
        pytest.param(ks.Seq2Seq, marks=pytest.mark.slow),
        pytest.param(ks.PeekySeq2Seq, marks=pytest.mark.slow),
        ks.AttentionSeq2Seq,
    ],
)
def test_deep_models_train_generate_and_round_trip_through_a_preset(model_class, tmp_path):
    keras.utils.set_random_seed(1)
    tokenizer = CharTokenizer(list("abcd"))
    model = model_class(tokenizer=tokenizer, embedding_dim=4, hidden_dim=6, max_source_length=6,
                        max_target_length=6, **DEEP)
    model.compile(jit_compile=False)
    sources = ["abc", "d", "cab", "dd", "abcdab"]
    x, y = ks.data.encode_pairs(tokenizer, sources, [s[::-1] for s in sources], 6, 6)
    assert np.isfinite(model.fit(x, y, epochs=1, verbose=0).history["loss"][0])
    answers = model.generate(sources)
    assert answers == model.generate(sources)  # no dropout when decoding
    model.save_to_preset(tmp_path / "deep")
    loaded = ks.from_preset(tmp_path / "deep")
    assert {key: loaded.get_config()[key] for key in DEEP} == DEEP
    assert loaded.generate(sources) == answers


def test_dropout_is_active_in_training_only():
    keras.utils.set_random_seed(2)
    model = ks.Seq2Seq(tokenizer=CharTokenizer(list("abcd")), embedding_dim=4, hidden_dim=6, dropout=0.5,
                       max_source_length=4, max_target_length=4)
    x, _ = ks.data.encode_pairs(model.tokenizer, ["abcd", "ab"], ["dcba", "ba"], 4, 4)
    np.testing.assert_array_equal(model(x, training=False), model(x, training=False))
    assert not np.allclose(model(x, training=True), model(x, training=False))


def test_exported_graph_of_a_model_with_dropout_has_no_random_op(tmp_path):
    keras.utils.set_random_seed(3)
    model = ks.AttentionSeq2Seq(tokenizer=CharTokenizer(list("abcd")), embedding_dim=4, hidden_dim=6,
                                max_source_length=4, max_target_length=4, **DEEP)
    path = ks.export.export(model, tmp_path / "deep")
    graph = tf.saved_model.load(str(path)).signatures["serving_default"].graph
    ops = {node.op for function in graph.as_graph_def().library.function for node in function.node_def}
    ops |= {node.op for node in graph.as_graph_def().node}
    assert not {op for op in ops if "Random" in op or "Dropout" in op}
    assert {"While", "StatelessWhile"} & ops  # the decoding loop is there, so the search looked at the graph


def test_targets_with_a_tokenizer_of_their_own():
    keras.utils.set_random_seed(4)
    letters = CharTokenizer(list("abc"))
    symbols = CharTokenizer(list("XYZW"))
    model = ks.AttentionSeq2Seq(tokenizer=letters, target_tokenizer=symbols, embedding_dim=4, hidden_dim=6,
                                max_source_length=4, max_target_length=4)
    assert model.decoder.vocabulary_size == symbols.vocabulary_size != letters.vocabulary_size
    model.compile(optimizer=keras.optimizers.Adam(0.05), jit_compile=False)
    sources, targets = ["abc", "cab", "a", "bb"], ["XYZ", "ZXY", "X", "YY"]
    x, y = ks.data.encode_pairs(letters, sources, targets, 4, 4, target_tokenizer=symbols)
    model.fit(x, y, epochs=60, verbose=0)
    assert model.generate(sources) == targets
    config = ks.AttentionSeq2Seq.from_config(model.get_config()).get_config()
    assert config["target_tokenizer"]["config"]["vocabulary"] == list("XYZW")
