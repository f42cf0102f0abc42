"""Which `tf.distribute` strategy trains: one device, the local devices, or a cluster from `TF_CONFIG`.

`TF_CONFIG` is checked here, before TensorFlow reads it, so that a cluster
description that does not parse is one clear error instead of a stack trace
from deep inside the strategy's constructor.
"""

import contextlib
import json
import os

import tensorflow as tf

from keras_seq2seq.errors import Seq2SeqError

STRATEGIES = ("default", "mirrored", "multi_worker")


class ClusterError(Seq2SeqError):
    """A `TF_CONFIG` that is missing, does not parse, or does not say which worker this is."""


def read_tf_config(text=None):
    """The cluster `TF_CONFIG` (or `text`) describes, checked; `ClusterError` naming what is wrong.

    Example:
    >>> config = read_tf_config('{"cluster": {"worker": ["a:2222", "b:2222"]}, '
    ...                         '"task": {"type": "worker", "index": 1}}')
    >>> config["task"]
    {'type': 'worker', 'index': 1}
    >>> read_tf_config('{"cluster": {"worker": ["a:2222"]}, "task": {"type": "worker", "index": 2}}')
    Traceback (most recent call last):
    ...
    keras_seq2seq.training.strategy.ClusterError: TF_CONFIG: task index 2 is out of range: the cluster has 1 worker
    """
    text = os.environ.get("TF_CONFIG", "") if text is None else text
    if not text.strip():
        raise ClusterError("--strategy multi_worker needs TF_CONFIG describing the cluster (see docs/distributed.md)")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClusterError(f"TF_CONFIG is not valid JSON: {error}") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not config["cluster"]:
        raise ClusterError('TF_CONFIG needs a "cluster" object, e.g. {"worker": ["host1:2222", "host2:2222"]}')
    for role, addresses in config["cluster"].items():
        if not isinstance(addresses, list) or not addresses or not all(_is_address(a) for a in addresses):
            raise ClusterError(f'TF_CONFIG: cluster "{role}" must be a non-empty list of "host:port" strings')
    task = config.get("task")
    if not isinstance(task, dict) or task.get("type") not in config["cluster"]:
        raise ClusterError(f'TF_CONFIG needs a "task" whose "type" is one of {", ".join(config["cluster"])}')
    index, size = task.get("index"), len(config["cluster"][task["type"]])
    if type(index) is not int or not 0 <= index < size:
        raise ClusterError(
            f"TF_CONFIG: task index {index!r} is out of range: the cluster has {size} {task['type']}"
        )
    return config


def make_strategy(strategy):
    """A `tf.distribute.Strategy` from a name in `STRATEGIES`, a strategy, or `None` (the one in scope).

    `"mirrored"` copies the model onto every local GPU (or the CPU);
    `"multi_worker"` onto every worker `TF_CONFIG` lists, and must be created
    before TensorFlow runs anything else in the process.
    """
    if strategy is None or isinstance(strategy, tf.distribute.Strategy):
        return strategy or tf.distribute.get_strategy()
    if strategy == "default":
        return tf.distribute.get_strategy()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if strategy == "multi_worker":
        read_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise Seq2SeqError(f"unknown strategy {strategy!r} (known: {', '.join(STRATEGIES)})")


def writes_files(strategy):
    """Whether this process writes checkpoints, logs and the preset: in a cluster, only the chief
    (or worker 0 when `TF_CONFIG` names no chief) does; every worker reads the chief's checkpoints."""
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def _is_address(text):
    host, _, port = str(text).rpartition(":")
    return isinstance(text, str) and bool(host) and port.isdigit()


def fit_scope(model, strategy, batch):
    """The context to call `model.fit` in; under `MultiWorkerMirroredStrategy`, two Keras 3.15 workarounds.

    1. Keras 3.15 (keras-team/keras#20329, open) starts `fit` and `evaluate`
       under `MultiWorkerMirroredStrategy` by averaging the first batch across
       workers with `strategy.reduce`, which takes one tensor, not our
       `({"source_ids", "decoder_ids"}, y)`: "Attempt to convert a value
       ({'source_ids': PerReplica...})". That average only serves to build the
       loss, metrics and optimizer, so this builds them from a local `batch`
       (any batch of the data) and lets `fit` find the strategy in scope instead
       of on the model, where it would take that step.
    2. It then averages each step's logs across workers with
       `strategy.reduce("MEAN", value, axis=0)`, which fails on the scalars
       every step returns (tensorflow/tensorflow#72388: "Invalid reduction
       dimension 0 for input with 0 dimensions"). The steps here return each
       log as a one-element vector, which that reduction averages to the
       scalar Keras expects; the epoch logs are the metrics' results over all
       workers, as usual.

    Other strategies get `fit` as it is.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return contextlib.nullcontext()
    with strategy.scope():
        model._symbolic_build(data_batch=batch)
    model._distribute_strategy = None  # `model.distribute_strategy` is then the one in scope
    model.train_step = _logs_as_vectors(model.train_step)
    model.test_step = _logs_as_vectors(model.test_step)
    return strategy.scope()


def _logs_as_vectors(step):
    def step_with_vector_logs(data):
        return {name: tf.reshape(value, [1]) for name, value in step(data).items()}

    return step_with_vector_logs
