"""JAX and PyTorch answer as TensorFlow does on the same weights, train, and save presets TensorFlow loads.

Keras picks its backend once per process: the other backend's side runs in a
subprocess (tests/backend_worker.py with KERAS_BACKEND=jax or torch), this side
on TensorFlow. Answers must be the same texts (greedy, n-best beam search);
scores may differ in the last float bits (other kernels). Sampling draws
differently on each backend (TensorFlow's stateless ops, JAX's keys, a torch
generator), so there it must only repeat itself for the same seed. A backend
that is not installed is skipped.
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
from zoo_inputs import held_out_inputs

import keras_seq2seq as ks
from keras_seq2seq.export import export

BACKENDS = [
    pytest.param(name, marks=pytest.mark.skipif(importlib.util.find_spec(name) is None,
                                                reason=f"{name} is not installed: pip install '.[test]' to test it"))
    for name in ("jax", "torch")
]

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
ZOO_PRESETS = ("addition", "date", "g2p", "chatbot", "translation", "captioning")


def run_on(backend, request, folder):
    """The worker's results for `request` (a list of items, see backend_worker.py), run with KERAS_BACKEND=`backend`."""
    request_path = folder / "request.json"
    request_path.write_text(json.dumps(request))
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WORKER.parents[1]), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, str(WORKER), str(request_path)], capture_output=True, text=True,
                            timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["backend"] == backend
    return output["results"]


def saved_variant(name, model_class, options, folder, seed=0):
    """The variant built tiny with random weights on TensorFlow, saved as a preset: `(folder, its answers)`."""
    model = tiny_model(model_class, seed=seed, **options)
    randomize_weights(model, seed=seed)
    model.save_to_preset(folder / name)
    return folder / name, answers_of(model, TEXTS)


def assert_same_answers(answers, tf_answers, name):
    """Same texts by greedy and n-best beam search, scores equal to float precision; sampling repeats itself."""
    assert answers["greedy"] == tf_answers["greedy"], f"{name}: greedy"
    n_best, tf_n_best = answers["n_best"], tf_answers["n_best"]
    texts = [[[text for text, *_ in row] for row in hypotheses] for hypotheses in (n_best, tf_n_best)]
    assert texts[0] == texts[1], f"{name}: n-best"
    np.testing.assert_allclose([[scores for _, *scores in row] for row in n_best],
                               [[scores for _, *scores in row] for row in tf_n_best], rtol=1e-4, atol=1e-5,
                               err_msg=f"{name}: n-best scores")
    assert answers["sampled"] == answers["sampled_again"], f"{name}: the same seed drew differently"


@pytest.fixture(scope="module", params=BACKENDS)
def backend_run(request, tmp_path_factory):
    """One process of the other backend: a model of every block, made on TensorFlow, answered, then trained and saved.

    Returns `(TensorFlow's answers, the other backend's results, the preset it trained)`.
    """
    folder = tmp_path_factory.mktemp(request.param)
    preset, tf_answers = saved_variant("every_block", *EVERY_BLOCK, folder)
    pairs = [[text, text[::-1]] for text in all_strings()[:40]]
    item = {"preset": str(preset), "inputs": TEXTS, "pairs": pairs, "save_to": str(folder / "trained")}
    (result,) = run_on(request.param, [item], folder)
    return tf_answers, result, folder / "trained"


def test_the_backend_answers_like_tensorflow_on_the_same_weights(backend_run):
    tf_answers, result, _ = backend_run
    assert_same_answers(result["answers"], tf_answers, "every block")
    # The seed is used: on these random weights another seed draws other answers.
    assert result["answers"]["sampled_other_seed"] != result["answers"]["sampled"]


def test_the_backend_trains_with_the_compile_defaults_and_its_presets_load_on_both_backends(backend_run):
    _, result, preset = backend_run
    assert np.isfinite(result["history"]["loss"][0]) and set(result["evaluation"]) >= {"loss", "exact_match"}
    assert result["history"]["loss"][1] < result["history"]["loss"][0]  # the second epoch learned something
    assert result["reloaded"] == result["trained"]["greedy"]  # saved and loaded back on that backend
    # Decoding after training follows the new weights (JAX's compiled decoding takes them as arguments):
    # TensorFlow, loading them from the preset, gives the same answers and scores.
    assert_same_answers(result["trained"], answers_of(ks.from_preset(preset), TEXTS), "trained on the backend")


@pytest.mark.slow  # an export per backend; the default suite stays well under 15 minutes on 2 cores
def test_a_model_trained_on_the_backend_exports_answers_like_its_generate(backend_run, tmp_path):
    _, result, preset = backend_run
    signature = tf.saved_model.load(str(export(preset, tmp_path / "served"))).signatures["serving_default"]
    served = [answer.decode() for answer in signature(text=tf.constant(TEXTS))["output"].numpy()]
    assert served == result["trained"]["greedy"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_variant_answers_like_tensorflow(backend, tmp_path):
    saved = {name: saved_variant(name, *variant, tmp_path, seed) for seed, (name, variant) in
             enumerate(SLOW_VARIANTS.items())}
    results = run_on(backend, [{"preset": str(preset), "inputs": TEXTS} for preset, _ in saved.values()], tmp_path)
    for result, (name, (_, tf_answers)) in zip(results, saved.items()):
        assert_same_answers(result["answers"], tf_answers, name)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("preset", ZOO_PRESETS)
def test_every_zoo_preset_answers_like_tensorflow_on_100_held_out_inputs(backend, preset, tmp_path):
    model = ks.from_preset(preset)
    inputs = held_out_inputs(preset, model, tmp_path)
    (result,) = run_on(backend, [{"preset": preset, "inputs": inputs}], tmp_path)
    assert_same_answers(result["answers"], answers_of(model, inputs), preset)


# Tiny recipes of a text model and of an image model, for the recipe trainer on each backend.
TINY_RECIPES = {
    "text": {"data": {"task": "addition", "train_size": 256, "validation_size": 64},
             "model": {"class_name": "PeekySeq2Seq", "embedding_dim": 8, "hidden_dim": 16, "reverse_source": True}},
    "images": {"data": {"task": "scenes", "train_size": 128, "validation_size": 32},
               "model": {"class_name": "ImageCaptioner", "decoder": "attention", "peeky": True, "hidden_dim": 16,
                         "filters": [4, 8]}},
}


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_recipe_trainer_trains_text_and_image_presets_that_tensorflow_loads(backend, tmp_path):
    request = []
    for kind, recipe in TINY_RECIPES.items():
        recipe = {"name": f"tiny_{kind}", "seed": 1, "training": {"epochs": 2, "batch_size": 32}, **recipe}
        (tmp_path / f"{kind}.json").write_text(json.dumps(recipe))
        request.append({"recipe": str(tmp_path / f"{kind}.json"), "output": str(tmp_path / kind)})
    results = run_on(backend, request, tmp_path)
    for kind, result in zip(TINY_RECIPES, results):
        assert len(result["history"]["loss"]) == 2 and result["history"]["loss"][1] < result["history"]["loss"][0]
        model = ks.from_preset(tmp_path / kind)
        assert model.input_kind == kind
        inputs = ["1+2"] if kind == "text" else [np.zeros((32, 32), np.uint8)]
        assert len(model.generate(inputs)) == 1
