"""Requests written to knock the server over, on loopback, each bounded in time and memory.

After every case: the server answers the next good request, the process's peak
memory during the case grew by less than `MEMORY_GROWTH_BOUND`, and the case took no longer
than its deadline allows. The embedded server runs with small limits (so that
each case costs milliseconds) and serves, beside `addition`, a `slow` model
whose text is a number of matrix products to run: `FOREVER` computes for
minutes, so it shows whether a deadline or a client that went away stops the
computation (without the stop, those tests fail after 5 s).
"""

import base64
import json
import os
import socket
import time
import uuid

import grpc
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from keras_seq2seq.serving import ModelConfig, ModelServer
from keras_seq2seq.serving.limits import RequestLimits

from .conftest import METRICS_PATH, MODEL, Target, http, wait_until

# How far the process's peak resident memory may rise above its resident memory at the start of a case. A
# growth, not a total: the server runs in the test process, whose size depends on the tests run before.
MEMORY_GROWTH_BOUND = 2**30
LIMITS = RequestLimits(
    max_request_bytes=2**20,
    max_request_elements=64,
    max_string_bytes=64 * 1024,
    max_json_depth=100,
    rest_api_timeout_in_ms=2000,
    idle_timeout_in_ms=1000,
)
FOREVER = "3000000"  # matrix products for the slow model: minutes of work, half a minute on a fast machine
SLACK_SECONDS = 3.0  # how much later than its deadline a case may end on a busy machine


class Slow(tf.Module):
    """`serving_default(text)`: runs int(text[0]) products of 64x64 matrices, then echoes the texts."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(self, text):
        steps = tf.strings.to_number(text[0], tf.int32)
        _, x = tf.while_loop(
            lambda i, x: i < steps, lambda i, x: (i + 1, tf.tanh(tf.matmul(x, x))), [tf.constant(0), tf.eye(64)]
        )
        return {"output": text, "score": tf.fill(tf.shape(text), tf.reduce_sum(x))}


@pytest.fixture(scope="module")
def hostile(exported, tmp_path_factory):
    """The embedded server with `LIMITS`, serving `addition` and `slow`."""
    slow_base = tmp_path_factory.mktemp("slow") / "slow"
    module = Slow()
    tf.saved_model.save(module, str(slow_base / "1"), signatures={"serving_default": module.serve})
    models = [ModelConfig(MODEL, exported / MODEL), ModelConfig("slow", slow_base)]
    server = ModelServer(
        models, port=0, rest_api_port=0, host="127.0.0.1", limits=LIMITS, monitoring_path=METRICS_PATH
    ).start()
    target = Target(f"http://127.0.0.1:{server.rest_port}", f"127.0.0.1:{server.grpc_port}", server)
    wait_until(lambda: target.rest().predict(["1+1"]) == ["2"], "the server answers")
    yield target
    server.stop()


def _peak_memory(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def _check_bounded(target, deadline_seconds):
    """A context: around a case, the server's peak memory and the time; after it, a good request is answered."""
    with open(f"/proc/{target.pid}/clear_refs", "w") as clear:
        clear.write("5")  # resets the peak (VmHWM) to the current resident memory
    at_start = _peak_memory(target.pid)
    started = time.monotonic()
    yield target
    elapsed = time.monotonic() - started
    growth = _peak_memory(target.pid) - at_start
    assert growth < MEMORY_GROWTH_BOUND, f"peak memory rose by {growth / 2**30:.2f} GiB during the case"
    assert elapsed < deadline_seconds + 2 * SLACK_SECONDS, f"the case took {elapsed:.1f} s"
    assert target.rest(timeout=10).predict(["16+75"]) == ["91"]
    with target.grpc(timeout=10) as client:
        assert client.predict(["52+607"]) == ["659"]


@pytest.fixture
def bounded(hostile):
    """The embedded server with `LIMITS`, checked around the case by `_check_bounded`."""
    yield from _check_bounded(hostile, LIMITS.rest_api_timeout_in_ms / 1000)


@pytest.fixture(params=["embedded", "real"])
def either(request, hostile):
    """The embedded server with `LIMITS`, or `tensorflow_model_server` when installed, checked by `_check_bounded`.

    The real server has none of our size limits, so these cases only ask that it refuses or answers
    within its deadline (30 s for REST, the client's for gRPC) and goes on serving.
    """
    target = hostile if request.param == "embedded" else request.getfixturevalue("real")
    yield from _check_bounded(target, LIMITS.rest_api_timeout_in_ms / 1000 if target is hostile else 30)


def _cpu_seconds_over(seconds):
    """CPU time this process used over the next `seconds`: about `seconds` if a computation still runs."""
    before = time.process_time()
    time.sleep(seconds)
    return time.process_time() - before


def _assert_computation_stopped():
    wait_until(lambda: _cpu_seconds_over(0.5) < 0.25, "the abandoned computation stops", seconds=5)


def _predict(url, body, model=MODEL):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, text = http(f"{url}/v1/models/{model}:predict", data)
    return status, json.loads(text)


def _grpc_request(model=MODEL, dims=(1,), dtype=tf.string, values=None):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    proto = request.inputs["text"]
    proto.dtype = dtype.as_datatype_enum
    proto.tensor_shape.dim.extend([proto.tensor_shape.Dim(size=size) for size in dims])
    if dtype == tf.string:
        proto.string_val.extend(values if values is not None else [b"16+75"])
    else:
        proto.float_val.extend(values if values is not None else [1.0])
    return request


def _grpc_error(target, request, timeout=10):
    with grpc.insecure_channel(target.grpc_target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Predict(request, timeout=timeout)
    return caught.value.code(), caught.value.details()


# ---- sizes and counts, refused before anything is built ----


def test_a_body_over_the_limit_is_413_before_it_is_read(bounded):
    status, answer = _predict(bounded.rest_url, b"[" + b" " * (2 * 2**20) + b"]")
    assert status == 413 and "--max_request_bytes" in answer["error"]


def test_a_chunked_body_over_the_limit_is_413(bounded):
    port = int(bounded.rest_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /v1/models/{MODEL}:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b" " * 65536
        try:
            for _ in range(40):  # 2.5 MiB in chunks
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # the server answered and closed while we were still sending
        answer = sock.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413") and "--max_request_bytes" in answer


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 981 + "]" * 981, id="array-981-deep"),
        pytest.param("[" * 50_000 + "]" * 50_000, id="array-50000-deep"),
        pytest.param('{"a":' * 200 + "1" + "}" * 200, id="object-200-deep"),
        pytest.param('{"instances": ' + "[" * 150 + '"1+1"' + "]" * 150 + "}", id="instances-150-deep"),
    ],
)
def test_json_nested_too_deep_is_400_naming_the_limit(bounded, body):
    status, answer = _predict(bounded.rest_url, body.encode())
    assert status == 400 and "--max_json_depth" in answer["error"], answer


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"instances": ["1+1"] * 100_000}, id="100000-instances"),
        pytest.param({"inputs": {"text": ["1+1"] * 65}}, id="65-inputs"),
        pytest.param({"instances": [{"text": "1+1"}] * 65}, id="65-named-instances"),
    ],
)
def test_too_many_rest_elements_are_400_naming_the_limit(bounded, body):
    status, answer = _predict(bounded.rest_url, body)
    assert status == 400 and "--max_request_elements" in answer["error"], answer


@pytest.mark.parametrize(
    "instance",
    [
        pytest.param("1" * 100_000, id="text"),
        pytest.param({"b64": base64.b64encode(b"1" * 100_000).decode()}, id="b64"),
        pytest.param("é" * 40_000, id="multibyte-text"),
    ],
)
def test_a_rest_string_over_the_limit_is_400_naming_the_limit(bounded, instance):
    status, answer = _predict(bounded.rest_url, {"instances": [instance]})
    assert status == 400 and "--max_string_bytes" in answer["error"], answer


def test_a_grpc_shape_padded_to_millions_is_refused_before_it_is_built(bounded):
    # 37 bytes on the wire: one string, a declared shape of 2,000,000 (the proto repeats the last value)
    code, details = _grpc_error(bounded, _grpc_request(dims=(2_000_000,)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "--max_request_elements" in details


def test_a_grpc_tensor_of_the_wrong_dtype_is_refused_before_it_is_built(bounded):
    code, details = _grpc_error(bounded, _grpc_request(dims=(50,), dtype=tf.float32))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "Expects arg[0] to be string but float" in details


def test_a_grpc_string_over_the_limit_is_refused(bounded):
    code, details = _grpc_error(bounded, _grpc_request(values=[b"1" * 100_000]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "--max_string_bytes" in details


def test_a_grpc_message_over_the_limit_is_resource_exhausted(bounded):
    code, _ = _grpc_error(bounded, _grpc_request(dims=(2,), values=[b"1" * 40_000] * 30))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_grpc_predict_without_a_model_name_is_an_invalid_argument(bounded):
    assert _grpc_error(bounded, _grpc_request(model="")) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "ModelSpec has no name specified",
    )


# ---- deadlines: the answer comes in time, and the computation stops ----


def test_a_rest_request_past_its_timeout_is_504_and_its_computation_stops(bounded):
    started = time.monotonic()
    status, answer = _predict(bounded.rest_url, {"instances": [FOREVER]}, model="slow")
    assert status == 504 and "--rest_api_timeout_in_ms" in answer["error"]
    assert time.monotonic() - started < LIMITS.rest_api_timeout_in_ms / 1000 + SLACK_SECONDS
    _assert_computation_stopped()


def test_a_rest_client_that_hangs_up_stops_its_computation(bounded):
    body = json.dumps({"instances": [FOREVER]}).encode()
    port = int(bounded.rest_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/models/slow:predict HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        time.sleep(0.3)  # the computation has started
    _assert_computation_stopped()


def test_a_grpc_deadline_ends_the_request_and_its_computation(bounded):
    started = time.monotonic()
    code, _ = _grpc_error(bounded, _grpc_request(model="slow", values=[FOREVER.encode()]), timeout=1)
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED and time.monotonic() - started < 1 + SLACK_SECONDS
    _assert_computation_stopped()


def test_a_grpc_client_that_cancels_stops_its_computation(bounded):
    with grpc.insecure_channel(bounded.grpc_target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        call = stub.Predict.future(_grpc_request(model="slow", values=[FOREVER.encode()]), timeout=60)
        time.sleep(0.3)
        call.cancel()
    _assert_computation_stopped()


# ---- connections that hold the server without asking anything ----


def _closed_by_server_within(sock, seconds, trickle=None):
    """Whether the server closes `sock` within `seconds` (sending `trickle` one byte at a time meanwhile)."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.2)
    sent = 0
    while time.monotonic() < deadline:
        try:
            if not sock.recv(4096):
                return True
        except socket.timeout:
            pass
        except OSError:
            return True
        if trickle and sent < len(trickle):
            try:
                sock.sendall(trickle[sent : sent + 1])
            except OSError:
                return True
            sent += 1
    return False


@pytest.mark.parametrize("trickle", [None, f"POST /v1/models/{MODEL}:predict HTTP/1.1\r\nHost: x\r\nX: ".encode() + b"y" * 200])
def test_idle_and_trickling_connections_are_closed(bounded, trickle):
    port = int(bounded.rest_url.rsplit(":", 1)[1])
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(20)]
    try:
        limit = LIMITS.idle_timeout_in_ms / 1000 + SLACK_SECONDS
        assert all(_closed_by_server_within(sock, limit, trickle) for sock in sockets[:1])
        assert all(_closed_by_server_within(sock, 1.0) for sock in sockets[1:])
    finally:
        for sock in sockets:
            sock.close()


def test_a_trickling_body_ends_at_the_request_timeout(bounded):
    port = int(bounded.rest_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /v1/models/{MODEL}:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode())
        started, answer = time.monotonic(), b""
        sock.settimeout(0.2)
        while time.monotonic() - started < LIMITS.rest_api_timeout_in_ms / 1000 + SLACK_SECONDS and not answer:
            try:
                sock.sendall(b" ")
                answer = sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
    assert answer.startswith(b"HTTP/1.1 504"), answer


# ---- metrics ----


def test_requests_for_random_model_names_do_not_grow_the_metrics_page(bounded):
    _, before = http(bounded.rest_url + METRICS_PATH)
    for _ in range(200):
        http(f"{bounded.rest_url}/v1/models/{uuid.uuid4().hex}:predict", json.dumps({"instances": ["1+1"]}))
        http(f"{bounded.rest_url}/v1/models/{uuid.uuid4().hex}")
    _, after = http(bounded.rest_url + METRICS_PATH)
    assert len(after) < len(before) + 2000, (len(before), len(after))


def test_the_limit_defaults_are_documented_in_the_serving_readme():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "serving", "README.md")).read()
    defaults = RequestLimits()
    for name in ("max_request_bytes", "max_request_elements", "max_string_bytes", "max_json_depth",
                 "rest_api_timeout_in_ms", "idle_timeout_in_ms"):
        assert f"--{name}" in readme and f"{getattr(defaults, name):,}" in readme, name


# ---- the same clients against the real server too ----

GRPC_DEADLINE = 5


@pytest.mark.parametrize(
    "dims, dtype, values",
    [
        pytest.param((2_000_000,), tf.string, None, id="2000000-strings-declared"),
        pytest.param((50_000_000,), tf.float32, None, id="50000000-floats-declared"),
        pytest.param((1,), tf.string, [b"1+1" * 300_000], id="900kB-string"),
    ],
)
def test_hostile_grpc_requests_against_either_server(either, dims, dtype, values):
    started = time.monotonic()
    code, details = _grpc_error(either, _grpc_request(dims=dims, dtype=dtype, values=values), timeout=GRPC_DEADLINE)
    assert time.monotonic() - started < GRPC_DEADLINE + SLACK_SECONDS
    if either.server is not None:
        assert code == grpc.StatusCode.INVALID_ARGUMENT and ("--max_" in details or "Expects arg[0]" in details)
    else:
        assert code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.DEADLINE_EXCEEDED), (code, details)


def test_grpc_predict_without_a_model_name_against_either_server(either):
    assert _grpc_error(either, _grpc_request(model="")) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "ModelSpec has no name specified",
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 50_000 + b"]" * 50_000, id="array-50000-deep"),
        pytest.param(json.dumps({"instances": ["1+1"] * 100_000}).encode(), id="100000-instances"),
        pytest.param(b'{"instances": ["' + b"1" * 900_000 + b'"]}', id="900kB-text"),
    ],
)
def test_hostile_rest_bodies_against_either_server(either, body):
    status, answer = _predict(either.rest_url, body)
    assert 400 <= status < 500 or status == 200, (status, answer)
