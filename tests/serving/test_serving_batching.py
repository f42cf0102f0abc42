"""Batching: concurrent requests to one model version are merged into one signature call."""

import concurrent.futures
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from keras_seq2seq.serving import BatchingOptions, ServingConfigError, ServingError
from keras_seq2seq.serving.batching import Batcher
from keras_seq2seq.serving.config_protos import batching_parameters, read_monitoring_config
from keras_seq2seq.serving.errors import ServerError

from .conftest import MODEL, copy_model, http, start_embedded

WAIT = 30  # seconds any future may take before the test fails


class Recorder:
    """A fake signature: doubles "x"; remembers each call's batch size; fails on b"bad"; can be held."""

    def __init__(self):
        self.sizes = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, inputs):
        self.sizes.append(len(inputs["x"]))
        self.entered.set()
        assert self.release.wait(WAIT)
        if any(value == b"bad" for value in inputs["x"]):
            raise ServerError("INVALID_ARGUMENT", "bad input")
        return {"y": np.array([value * 2 for value in inputs["x"]], dtype=object)}


def _submit_together(batcher, values):
    """Submits one single-row request per value from as many threads at once; the futures, in order."""
    barrier = threading.Barrier(len(values))

    def submit(value):
        barrier.wait(WAIT)
        return batcher.submit({"x": np.array([value], dtype=object)})

    with concurrent.futures.ThreadPoolExecutor(len(values)) as pool:
        return list(pool.map(submit, values))


def test_concurrent_requests_become_one_call_split_back_in_order():
    run = Recorder()
    batcher = Batcher(run, BatchingOptions(max_batch_size=8, batch_timeout_micros=10_000_000, num_batch_threads=1))
    values = [bytes([ord("a") + i]) for i in range(8)]
    futures = _submit_together(batcher, values)
    assert [future.result(WAIT)["y"].tolist() for future in futures] == [[value * 2] for value in values]
    assert run.sizes == [8]  # a full batch runs at once, long before the time-out
    batcher.close()


def test_the_time_out_runs_a_partial_batch():
    run = Recorder()
    batcher = Batcher(run, BatchingOptions(max_batch_size=100, batch_timeout_micros=300_000, num_batch_threads=1))
    futures = [batcher.submit({"x": np.array([b"a", b"b"], dtype=object)}) for _ in range(3)]
    assert all(future.result(WAIT)["y"].tolist() == [b"aa", b"bb"] for future in futures)
    assert run.sizes == [6]
    batcher.close()


def test_a_bad_request_fails_alone_and_its_batch_neighbours_succeed():
    run = Recorder()
    batcher = Batcher(run, BatchingOptions(max_batch_size=3, batch_timeout_micros=10_000_000, num_batch_threads=1))
    good, bad, other = _submit_together(batcher, [b"g", b"bad", b"o"])
    assert good.result(WAIT)["y"].tolist() == [b"gg"] and other.result(WAIT)["y"].tolist() == [b"oo"]
    with pytest.raises(ServerError, match="bad input"):
        bad.result(WAIT)
    assert run.sizes[0] == 3 and sorted(run.sizes[1:]) == [1, 1, 1]
    batcher.close()


def test_a_request_larger_than_a_batch_is_refused_unless_splitting_is_on():
    too_big = {"x": np.array([b"a"] * 5, dtype=object)}
    batcher = Batcher(Recorder(), BatchingOptions(max_batch_size=4, num_batch_threads=1))
    with pytest.raises(ServerError, match="Task size 5 is larger than maximum input batch size 4"):
        batcher.submit(too_big).result(WAIT)
    batcher.close()
    batcher = Batcher(Recorder(), BatchingOptions(max_batch_size=4, num_batch_threads=1, enable_large_batch_splitting=True))
    assert len(batcher.submit(too_big).result(WAIT)["y"]) == 5
    batcher.close()


def test_a_full_queue_is_unavailable():
    run = Recorder()
    run.release.clear()
    batcher = Batcher(run, BatchingOptions(max_batch_size=1, max_enqueued_batches=1, num_batch_threads=1))
    running = batcher.submit({"x": np.array([b"a"], dtype=object)})
    assert run.entered.wait(WAIT)
    queued = batcher.submit({"x": np.array([b"b"], dtype=object)})
    with pytest.raises(ServerError, match="queue to which this task was submitted is full") as caught:
        batcher.submit({"x": np.array([b"c"], dtype=object)}).result(WAIT)
    assert caught.value.code == "UNAVAILABLE"
    run.release.set()
    assert running.result(WAIT)["y"].tolist() == [b"aa"] and queued.result(WAIT)["y"].tolist() == [b"bb"]
    batcher.close()


def test_batching_parameters_text_proto(tmp_path):
    path = tmp_path / "batching.txt"
    path.write_text(
        "max_batch_size { value: 32 }\nbatch_timeout_micros { value: 2000 }\n"
        "max_enqueued_batches { value: 100 }\nnum_batch_threads { value: 2 }\nallowed_batch_sizes: 32\n"
    )
    assert BatchingOptions.from_proto(batching_parameters(path)) == BatchingOptions(
        max_batch_size=32, batch_timeout_micros=2000, max_enqueued_batches=100, num_batch_threads=2
    )
    assert BatchingOptions.from_proto(batching_parameters()) == BatchingOptions()
    path.write_text("max_batch_size { value: 8 }\nsome_newer_field { value: 1 }\n")  # skipped with a warning
    assert BatchingOptions.from_proto(batching_parameters(path)).max_batch_size == 8
    path.write_text("max_batch_size { value: 0 }")
    with pytest.raises(ServingConfigError, match="max_batch_size must be at least 1"):
        BatchingOptions.from_proto(batching_parameters(path))
    path.write_text("max_batch_size: 32")
    with pytest.raises(ServingConfigError, match="--batching_parameters_file: .* is not a valid BatchingParameters"):
        batching_parameters(path)


def test_the_repository_deployment_configs_parse():
    folder = Path(__file__).resolve().parents[2] / "serving"
    if not (folder / "batching_parameters.txt").is_file() or not (folder / "monitoring.config").is_file():
        pytest.skip("no deployment configs in serving/")
    BatchingOptions.from_proto(batching_parameters(folder / "batching_parameters.txt"))
    assert read_monitoring_config(folder / "monitoring.config").prometheus_config.enable


@pytest.fixture(scope="module")
def batched(exported, tmp_path_factory):
    base_path = copy_model(exported, tmp_path_factory.mktemp("batched"))
    options = BatchingOptions(max_batch_size=64, batch_timeout_micros=500_000, num_batch_threads=1)
    target = start_embedded(base_path, batching=options, monitoring_path="/metrics")
    yield target
    target.server.stop()


def test_the_server_merges_concurrent_rest_and_grpc_requests(batched):
    servable = batched.server.registry.servable(MODEL)
    texts = [f"{a}+{b}" for a, b in zip(range(10, 26), range(40, 56))]
    calls_before = servable.calls
    barrier = threading.Barrier(len(texts))

    def ask(index):
        barrier.wait(WAIT)
        if index % 2:
            return batched.rest().predict([texts[index]])[0]
        with batched.grpc() as client:
            return client.predict([texts[index]])[0]

    with concurrent.futures.ThreadPoolExecutor(len(texts)) as pool:
        answers = list(pool.map(ask, range(len(texts))))
    assert answers == [str(a + b) for a, b in zip(range(10, 26), range(40, 56))]
    calls = servable.calls - calls_before
    assert calls <= len(texts) // 2, f"{len(texts)} concurrent requests took {calls} signature calls"
    status, page = http(batched.rest_url + "/metrics")
    assert status == 200 and ":tensorflow:serving:batching_session:processed_batch_size_count" in page


def test_a_bad_request_among_batched_ones_gets_its_own_error(batched):
    barrier = threading.Barrier(3)

    def ask(text):
        barrier.wait(WAIT)
        try:
            return batched.rest().predict([text])[0]
        except ServingError as error:
            return error.status

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert list(pool.map(ask, ["16+75", "", "52+607"])) == ["91", 400, "659"]
    status, text = http(batched.rest_url + f"/v1/models/{MODEL}:predict", json.dumps({"instances": ["1+1"]}))
    assert status == 200 and json.loads(text)["predictions"][0]["output"] == "2"
