"""The cuDNN-capable path of `FusedLSTM` (`keras.layers.LSTM` on the layer's own weights) equals its own kernels.

On a CPU, `keras.layers.LSTM` runs Keras' generic kernels, so these tests check
what the path feeds it (weights, per-sequence constants, masks, initial states)
and what comes back, outputs and gradients; on a GPU the same call picks cuDNN.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.export import export
from keras_seq2seq.layers import FusedLSTM, fused_lstm
from keras_seq2seq.data.pipeline import encode_pairs
from conftest import MAX_LENGTH, randomize_weights, tiny_model

UNITS, FEATURES, CONSTANT = 5, 3, 4
LENGTHS = [7, 3, 1]  # right-padded, every row with a real step: what the cuDNN kernel reads
ATOL = 1e-5


def _pair(steps_dim, constant_dim):
    """Two layers with the same random weights: its own kernels, and the cuDNN-capable path."""
    rng = np.random.default_rng(0)
    layers = [FusedLSTM(UNITS, use_cudnn=False), FusedLSTM(UNITS, use_cudnn=True)]
    for layer in layers:
        layer.build((None, None, steps_dim), (None, constant_dim) if constant_dim else None)
    weights = [rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in layers[0].get_weights()]
    for layer in layers:
        layer.set_weights(weights)
    return layers


def _inputs(steps):
    rng = np.random.default_rng(1)
    lengths = np.array([steps, *LENGTHS[1:]])
    mask = np.arange(steps)[None, :] < lengths[:, None]
    x = rng.normal(size=(len(lengths), steps, FEATURES)).astype("float32") * mask[:, :, None]
    constant = rng.normal(size=(len(lengths), CONSTANT)).astype("float32")
    state = [rng.normal(size=(len(lengths), UNITS)).astype("float32") for _ in range(2)]
    return tf.constant(x), tf.constant(mask), tf.constant(constant), [tf.constant(s) for s in state]


def _results(layer, x, mask, constant, state):
    """Outputs at the real steps (padded ones differ by design), final state, and every gradient."""
    watched = [t for t in [x, constant, *state] if t is not None]
    with tf.GradientTape() as tape:
        tape.watch(watched)
        sequence, (h, c) = layer(x, constant_inputs=constant, mask=mask, initial_state=state)
        real = tf.where(mask[:, :, None], sequence, 0.0)
        loss = tf.reduce_sum(real**2) + tf.reduce_sum(h * c)
    gradients = tape.gradient(loss, [*watched, *layer.trainable_variables])
    return [real, h, c, *gradients]


@pytest.mark.parametrize("steps", [LENGTHS[0], fused_lstm.MAX_UNROLLED_STEPS + 6])
@pytest.mark.parametrize("with_constant", [False, True])
def test_outputs_and_gradients_equal_the_fused_kernels(steps, with_constant):
    x, mask, constant, state = _inputs(steps)
    fused, cudnn_capable = _pair(FEATURES, CONSTANT if with_constant else 0)
    constant = constant if with_constant else None
    expected = _results(fused, x, mask, constant, state)
    actual = _results(cudnn_capable, x, mask, constant, state)
    assert len(actual) == len(expected) == (10 if with_constant else 9)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=ATOL)
    # The inputs matter: a changed step changes the result.
    changed = _results(cudnn_capable, x + 1.0, mask, constant, state)
    assert not np.allclose(changed[1], actual[1], atol=1e-3)


def test_keeps_three_weights_and_saves_like_the_fused_layer(tmp_path):
    fused, cudnn_capable = _pair(FEATURES, 0)
    assert [w.path for w in cudnn_capable.weights] == [w.path.replace(fused.name, cudnn_capable.name) for w in fused.weights]
    assert cudnn_capable.count_params() == fused.count_params()
    assert cudnn_capable.supports_jit is False and fused.supports_jit is True
    config = cudnn_capable.get_config()
    assert config["use_cudnn"] is True and FusedLSTM.from_config(config).use_cudnn is True


def test_fused_kernels_only_turns_the_path_off_while_tracing():
    _, cudnn_capable = _pair(FEATURES, 0)
    spec = tf.TensorSpec([None, 5, FEATURES], tf.float32)
    loops = lambda function: any(op.type in ("While", "StatelessWhile") for op in function.graph.get_operations())  # noqa: E731
    # Keras' LSTM loops over the steps; the fused kernels unroll five known steps.
    assert loops(tf.function(lambda x: cudnn_capable(x)).get_concrete_function(spec))
    with fused_lstm.fused_kernels_only():
        assert not loops(tf.function(lambda x: cudnn_capable(x)).get_concrete_function(spec))
    assert loops(tf.function(lambda x: cudnn_capable(x)).get_concrete_function(spec))


def test_rejects_an_unknown_setting():
    with pytest.raises(ValueError, match="use_cudnn"):
        FusedLSTM(UNITS, use_cudnn="yes")


def _model(monkeypatch, on_gpu):
    """A tiny attention model with random weights, built as where a GPU is visible (`on_gpu`) or not."""
    monkeypatch.setattr(fused_lstm, "gpu_visible", lambda: on_gpu)
    model = tiny_model(ks.AttentionSeq2Seq, reverse_source=True)
    randomize_weights(model)
    lstms = [layer for layer in model._flatten_layers() if isinstance(layer, FusedLSTM)]
    assert lstms and all((layer._keras_lstm_call is not None) == on_gpu for layer in lstms)
    return model


def test_a_model_on_the_path_trains_without_xla_and_answers_like_its_fused_twin(monkeypatch):
    model, fused_twin = _model(monkeypatch, on_gpu=True), _model(monkeypatch, on_gpu=False)
    model.compile()
    assert model.jit_compile is False  # cuDNN's kernels are not XLA-compilable
    assert model.get_weights()[0].tolist() == fused_twin.get_weights()[0].tolist()
    texts = ["abc", "ba", "cabd", "d"]
    assert model.generate(texts) == fused_twin.generate(texts)
    x, y = encode_pairs(model.tokenizer, texts, [text[::-1] for text in texts], MAX_LENGTH, MAX_LENGTH)
    fused_twin.compile()
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), fused_twin.evaluate(x, y, verbose=0), rtol=1e-5)
    model.fit(x, y, epochs=1, verbose=0)  # a training step on the path


def test_an_export_of_a_model_on_the_path_holds_only_the_fused_kernels(monkeypatch, tmp_path):
    model = _model(monkeypatch, on_gpu=True)
    path = export(model, tmp_path / "model")  # the stock-server check runs inside
    serving = tf.saved_model.load(str(path)).signatures["serving_default"]
    texts = ["abc", "ba"]
    answers = [text.decode() for text in serving(text=tf.constant(texts))["output"].numpy()]
    assert answers == model.generate(texts)
