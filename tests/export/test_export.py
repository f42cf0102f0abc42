"""Export: the SavedModel layout TF Serving expects, stock-server ops only, answers like `generate`."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

import keras_seq2seq as ks
from keras_seq2seq.errors import InputError
from keras_seq2seq.export import StockServingError, check_stock_serving_ops, export, next_version
from keras_seq2seq.export.op_check import forbidden_ops
from keras_seq2seq.models.preset import zoo_names

QUESTIONS = ["16+75", "52+607", "999+999", "1+1", "300+7"]


@pytest.fixture(scope="session")
def addition_export(tmp_path_factory):
    base = tmp_path_factory.mktemp("models") / "addition"
    return export("addition", base)


def test_layout_and_signature(addition_export):
    assert addition_export.name == "1"
    assert (addition_export / "saved_model.pb").is_file()
    assert (addition_export / "variables" / "variables.index").is_file()
    signature = tf.saved_model.load(str(addition_export)).signatures["serving_default"]
    (_, inputs) = signature.structured_input_signature
    assert inputs["text"].dtype == tf.string and inputs["text"].shape.as_list() == [None]
    outputs = signature.structured_outputs
    assert outputs["output"].dtype == tf.string and outputs["score"].dtype == tf.float32


@pytest.mark.slow  # by default: test_the_export_command counts versions up and refuses an existing one
def test_versions_count_up_and_are_never_overwritten(tmp_path):
    model = ks.from_preset("addition")
    assert export(model, tmp_path / "m").name == "1"
    assert export(model, tmp_path / "m").name == "2"
    assert next_version(tmp_path / "m") == 3
    assert export(model, tmp_path / "m", version=7).name == "7"
    with pytest.raises(InputError, match="already exists"):
        export(model, tmp_path / "m", version=2)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["1", "2", "7"]


def test_a_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def fail(path):
        raise StockServingError("pretend the graph is bad")

    monkeypatch.setattr("keras_seq2seq.export.saved_model.check_stock_serving_ops", fail)
    with pytest.raises(StockServingError):
        export("addition", tmp_path / "m")
    assert list((tmp_path / "m").iterdir()) == []


def test_warmup_records_are_prediction_logs(addition_export):
    path = addition_export / "assets.extra" / "tf_serving_warmup_requests"
    records = [prediction_log_pb2.PredictionLog.FromString(r.numpy()) for r in tf.data.TFRecordDataset(str(path))]
    assert 1 <= len(records) <= 1000
    for record in records:
        request = record.predict_log.request
        assert request.model_spec.name == "addition"
        assert request.model_spec.signature_name == "serving_default"
        assert tf.make_ndarray(request.inputs["text"]).dtype == object


# Every export runs the check: by default the chatbot's in tests/serving/test_chatbot_serving.py,
# a date model's in tests/models/test_date_model.py; here with --run-slow.
HEAVY_EXPORTS = ("chatbot", "date")


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.slow) if name in HEAVY_EXPORTS else name for name in zoo_names()]
)
def test_every_zoo_preset_passes_the_stock_server_check(name, tmp_path):
    path = export(name, tmp_path / name)
    assert forbidden_ops(path) == []


def test_the_check_catches_python_ops(tmp_path):
    module = tf.Module()
    module.f = tf.function(
        lambda x: tf.py_function(lambda v: v * 2, [x], tf.float32),
        input_signature=[tf.TensorSpec([None], tf.float32)],
    )
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.f})
    with pytest.raises(StockServingError, match="Python op"):
        check_stock_serving_ops(tmp_path)


def test_the_check_catches_xla(tmp_path):
    module = tf.Module()
    module.f = tf.function(lambda x: x * 2, input_signature=[tf.TensorSpec([None], tf.float32)], jit_compile=True)
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.f})
    with pytest.raises(StockServingError, match="XLA"):
        check_stock_serving_ops(tmp_path)


def test_answers_like_generate_in_a_fresh_process(addition_export):
    expected = ks.from_preset("addition").generate(QUESTIONS)
    script = (
        "import json, sys, tensorflow as tf\n"
        "f = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
        "out = f(text=tf.constant(json.loads(sys.argv[2])))\n"
        "print(json.dumps([o.decode() for o in out['output'].numpy()]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(addition_export), json.dumps(QUESTIONS)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


@pytest.mark.slow  # by default: test_answers_like_generate_in_a_fresh_process
def test_saved_model_cli_runs_the_signature(addition_export):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [cli, "run", "--dir", str(addition_export), "--tag_set", "serve", "--signature_def", "serving_default",
         "--input_exprs", "text=[b'16+75', b'52+607']"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "b'91'" in result.stdout and "b'659'" in result.stdout


def test_scores_are_log_probabilities(addition_export):
    signature = tf.saved_model.load(str(addition_export)).signatures["serving_default"]
    scores = signature(text=tf.constant(QUESTIONS))["score"].numpy()
    assert np.all(scores <= 0) and np.all(np.isfinite(scores))


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "input 1 “” is empty: give at least one character"),
        ("1" * 8, "input 1 “11111111” is longer than 7 characters \\(it has 8\\)"),
        ("1" * 100_000, "input 1 “1111111111111111111111111111111111111111…” is longer than 7 characters \\(100000 bytes\\)"),
        ("16+7xé", "input 1 “16\\+7xé” has characters outside the vocabulary: “x”, “é”"),
        (b"\xff\xfe", "input 1 “\ufffd\ufffd” is not valid UTF-8"),
    ],
)
def test_bad_input_is_an_invalid_argument_naming_the_problem_and_the_input(addition_export, text, message):
    """One sentence from the graph itself, so a stock TF Serving shows it too."""
    signature = tf.saved_model.load(str(addition_export)).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"assertion failed: \\[{message}\\]"):
        signature(text=tf.constant(["16+75", text]))


def test_the_export_command(tmp_path, capsys):
    from keras_seq2seq.cli import main

    base = tmp_path / "addition"
    assert main(["export", "--preset", "addition", "--base-path", str(base)]) == 0
    assert main(["export", "--preset", "addition", "--base-path", str(base)]) == 0
    assert capsys.readouterr().out.split() == ["exported", str(base / "1"), "exported", str(base / "2")]
    assert main(["export", "--preset", "addition", "--base-path", str(base), "--version", "1"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["export", "--preset", "nope", "--base-path", str(base)]) == 2
    assert "no preset 'nope'" in capsys.readouterr().err
