"""The JAX backend answers as TensorFlow does on the same weights, trains, and saves presets TensorFlow loads.

Keras picks its backend once per process: the JAX side runs in a subprocess
(tests/backend_worker.py with KERAS_BACKEND=jax), this side on TensorFlow.
Answers must be the same texts (greedy, n-best beam search); scores may differ
in the last float bits (other kernels). Sampling draws differently on each
backend (TensorFlow's stateless ops, JAX's keys), so on JAX it must only repeat
itself for the same seed. Skipped when JAX is not installed.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from backend_worker import answers_of
from conftest import all_strings, randomize_weights, tiny_model

import keras_seq2seq as ks
from keras_seq2seq.export import export

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed: pip install 'jax[cpu]' to test that backend"
)

WORKER = Path(__file__).with_name("backend_worker.py")
TEXTS = ["abcd", "dcb", "a", "bbad"]
# One model that takes every path of the blocks: reversed and bidirectional encoder, attention, peeky, stacked decoder.
EVERY_BLOCK = (ks.AttentionSeq2Seq, dict(score="additive", peeky=True, reverse_source=True, bidirectional_encoder=True,
                                         num_decoder_layers=2))
SLOW_VARIANTS = {
    "seq2seq": (ks.Seq2Seq, {}),
    "peeky_reversed": (ks.PeekySeq2Seq, dict(reverse_source=True)),
    "dot_attention_deep_encoder": (ks.AttentionSeq2Seq, dict(num_encoder_layers=2, bidirectional_encoder=True)),
    "seq2seq_bidirectional_stacked": (ks.Seq2Seq, dict(bidirectional_encoder=True, num_encoder_layers=2,
                                                       num_decoder_layers=2)),
}
ZOO_TEXTS = {"addition": ["16+75", "999+999", "1+2"], "date": ["3/4/2021", "March 5, 1999"],
             "g2p": ["hello", "keras"], "chatbot": ["how are you?"], "translation": ["i am cold ."]}


def run_on_jax(request, folder):
    """The worker's results for `request` (a list of items, see backend_worker.py), run with KERAS_BACKEND=jax."""
    request_path = folder / "request.json"
    request_path.write_text(json.dumps(request))
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WORKER.parents[1]), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, str(WORKER), str(request_path)], capture_output=True, text=True,
                            timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["backend"] == "jax"
    return output["results"]


def saved_variant(name, model_class, options, folder, seed=0):
    """The variant built tiny with random weights on TensorFlow, saved as a preset: `(folder, its answers)`."""
    model = tiny_model(model_class, seed=seed, **options)
    randomize_weights(model, seed=seed)
    model.save_to_preset(folder / name)
    return folder / name, answers_of(model, TEXTS)


def assert_same_answers(jax_answers, tf_answers, name):
    """Same texts by greedy and n-best beam search, scores equal to float precision; sampling repeats itself."""
    assert jax_answers["greedy"] == tf_answers["greedy"], f"{name}: greedy"
    jax_n_best, tf_n_best = jax_answers["n_best"], tf_answers["n_best"]
    texts = [[[text for text, *_ in row] for row in n_best] for n_best in (jax_n_best, tf_n_best)]
    assert texts[0] == texts[1], f"{name}: n-best"
    np.testing.assert_allclose([[scores for _, *scores in row] for row in jax_n_best],
                               [[scores for _, *scores in row] for row in tf_n_best], rtol=1e-4, atol=1e-5,
                               err_msg=f"{name}: n-best scores")
    assert jax_answers["sampled"] == jax_answers["sampled_again"], f"{name}: the same seed drew differently"


@pytest.fixture(scope="module")
def jax_run(tmp_path_factory):
    """One JAX process: a model of every block, made on TensorFlow, answered, then trained an epoch and saved.

    Returns `(TensorFlow's answers, the JAX results, the preset trained on JAX)`.
    """
    folder = tmp_path_factory.mktemp("backends")
    preset, tf_answers = saved_variant("every_block", *EVERY_BLOCK, folder)
    pairs = [[text, text[::-1]] for text in all_strings()[:40]]
    item = {"preset": str(preset), "texts": TEXTS, "pairs": pairs, "save_to": str(folder / "trained_on_jax")}
    (result,) = run_on_jax([item], folder)
    return tf_answers, result, folder / "trained_on_jax"


def test_jax_answers_like_tensorflow_on_the_same_weights(jax_run):
    tf_answers, result, _ = jax_run
    assert_same_answers(result["answers"], tf_answers, "every block")


def test_jax_trains_with_the_compile_defaults_and_its_presets_load_on_both_backends(jax_run):
    _, result, preset = jax_run
    assert np.isfinite(result["history"]["loss"][0]) and set(result["evaluation"]) >= {"loss", "exact_match"}
    assert result["reloaded"] == result["trained"]["greedy"]  # saved and loaded back on JAX
    # Decoding after training follows the new weights (the compiled decoding takes them as arguments):
    # TensorFlow, loading them from the preset, gives the same answers and scores.
    assert_same_answers(result["trained"], answers_of(ks.from_preset(preset), TEXTS), "trained on JAX")


@pytest.mark.slow
def test_a_model_trained_on_jax_exports_answers_like_its_generate(jax_run, tmp_path):
    _, result, preset = jax_run
    signature = tf.saved_model.load(str(export(preset, tmp_path / "served"))).signatures["serving_default"]
    served = [answer.decode() for answer in signature(text=tf.constant(TEXTS))["output"].numpy()]
    assert served == result["trained"]["greedy"]


@pytest.mark.slow
def test_every_variant_and_zoo_preset_answers_like_tensorflow(tmp_path):
    saved = {name: saved_variant(name, *variant, tmp_path, seed) for seed, (name, variant) in
             enumerate(SLOW_VARIANTS.items())}
    request = [{"preset": str(preset), "texts": TEXTS} for preset, _ in saved.values()]
    request += [{"preset": name, "texts": texts} for name, texts in ZOO_TEXTS.items()]
    results = run_on_jax(request, tmp_path)
    expected = {name: answers for name, (_, answers) in saved.items()}
    expected.update({name: answers_of(ks.from_preset(name), texts) for name, texts in ZOO_TEXTS.items()})
    for result, (name, tf_answers) in zip(results, expected.items()):
        assert_same_answers(result["answers"], tf_answers, name)
