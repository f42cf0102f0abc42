"""Distribution: two MultiWorkerMirroredStrategy workers on loopback train like one device; TF_CONFIG errors."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import keras_seq2seq as ks
from keras_seq2seq.cli import main
from keras_seq2seq.recipe import load_recipe
from keras_seq2seq.training import ClusterError, GlobalClipAdam, GlobalMaskedLoss, load_data, train
from keras_seq2seq.training.data import training_batches
from keras_seq2seq.training.strategy import read_tf_config

WORKER = Path(__file__).with_name("distributed_worker.py")


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def test_two_workers_train_the_same_weights_as_one_device_with_the_same_global_batch(tmp_path):
    recipe = {
        "name": "tiny", "seed": 3,
        "data": {"task": "addition", "train_size": 256, "validation_size": 32},
        "model": {"class_name": "Seq2Seq", "embedding_dim": 4, "hidden_dim": 8},
        "training": {"epochs": 2, "batch_size": 32, "learning_rate": 0.01, "global_clipnorm": 0.5,
                     "jit_compile": False},
    }
    (tmp_path / "recipe.json").write_text(json.dumps(recipe))
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    workers = []
    for index in range(2):
        environment = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        command = [sys.executable, str(WORKER), "recipe.json", "out", f"rows{index}.npy"]
        workers.append(subprocess.Popen(command, cwd=tmp_path, env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-3000:]

    recipe = load_recipe(tmp_path / "recipe.json")
    model, history = train(recipe, verbose=0)  # one device, the same global batch of 32
    two_workers = ks.from_preset(tmp_path / "out")
    for a, b in zip(model.get_weights(), two_workers.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    np.testing.assert_allclose(json.loads((tmp_path / "out" / "history.json").read_text())["loss"], history["loss"],
                               rtol=1e-5)
    # Each worker got its own half of the global batch.
    x, _ = next(iter(training_batches(model, load_data(recipe["data"], 3)[0], 32, 3, range(1))))
    halves = [np.load(tmp_path / f"rows{index}.npy") for index in range(2)]
    assert [len(half) for half in halves] == [16, 16]
    np.testing.assert_array_equal(np.concatenate(halves), x["source_ids"].numpy())


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "needs TF_CONFIG"),
        ('{"cluster": ', "TF_CONFIG is not valid JSON"),
        ('{"task": {"type": "worker", "index": 0}}', 'needs a "cluster" object'),
        ('{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}', '"host:port"'),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}', 'whose "type" is one of worker'),
        ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 2}}', "index 2 is out of range"),
    ],
)
def test_tf_config_errors_name_the_problem(text, message):
    with pytest.raises(ClusterError, match=message):
        read_tf_config(text)


def test_a_tf_config_that_does_not_parse_is_one_line_before_training(tmp_path, monkeypatch, capsys):
    (tmp_path / "recipe.json").write_text(json.dumps({"data": {"task": "addition"}}))
    monkeypatch.setenv("TF_CONFIG", "{'cluster': 1}")
    monkeypatch.setattr(ks.PeekySeq2Seq, "fit", lambda *args, **kwargs: pytest.fail("fit was called"))
    code = main(["train", "--recipe", str(tmp_path / "recipe.json"), "--output", str(tmp_path / "out"),
                 "--strategy", "multi_worker"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("keras-seq2seq train: error: TF_CONFIG is not valid JSON")
    assert not (tmp_path / "out").exists()


def test_on_one_device_the_global_loss_and_clipping_are_the_usual_ones():
    y_true = np.array([[5, 3, 0, 0], [4, 0, 0, 0]])
    logits = np.random.default_rng(0).normal(size=(2, 4, 8)).astype("float32")
    expected = ks.metrics.masked_loss()(y_true, logits)
    assert float(GlobalMaskedLoss()(y_true, logits)) == pytest.approx(float(expected), rel=1e-6)
    clipped = GlobalClipAdam(global_clipnorm=1.0)._clip_gradients([np.array([3.0, 4.0], "float32")])
    np.testing.assert_allclose(clipped[0], [0.6, 0.8], rtol=1e-6)
