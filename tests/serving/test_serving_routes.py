"""The embedded server's REST routes and gRPC methods, request formats and errors, as TF Serving words them."""

import base64
import json

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from .conftest import METRICS_PATH, MODEL, http


@pytest.fixture
def url(embedded):
    return embedded.rest_url


@pytest.fixture(autouse=True)
def server_still_answers(embedded):
    """After every test, good requests still get good answers."""
    yield
    assert embedded.rest().predict(["16+75"]) == ["91"]
    with embedded.grpc() as client:
        assert client.predict(["52+607"]) == ["659"]


def predict(url, body, path=f"/v1/models/{MODEL}:predict"):
    status, text = http(url + path, body if isinstance(body, (str, bytes)) else json.dumps(body))
    return status, json.loads(text)


# ---- REST: routes and formats ----


@pytest.mark.parametrize("path", [f"/v1/models/{MODEL}", f"/v1/models/{MODEL}/versions/1", f"/V1/MODELS/{MODEL}"])
def test_status_routes(url, path):
    status, text = http(url + path)
    assert status == 200
    assert json.loads(text)["model_version_status"][0] == {
        "version": "1",
        "state": "AVAILABLE",
        "status": {"error_code": "OK", "error_message": ""},
    }


@pytest.mark.parametrize("path", [f"/v1/models/{MODEL}/metadata", f"/v1/models/{MODEL}/versions/1/metadata"])
def test_metadata_routes(url, path):
    status, text = http(url + path)
    assert status == 200
    metadata = json.loads(text)
    assert metadata["model_spec"] == {"name": MODEL, "signature_name": "", "version": "1"}
    signatures = metadata["metadata"]["signature_def"]["signature_def"]
    assert set(signatures) == {"serving_default", "__saved_model_init_op"}
    assert signatures["serving_default"]["inputs"]["text"]["name"] == "serving_default_text:0"


@pytest.mark.parametrize("path", [f"/v1/models/{MODEL}:predict", f"/v1/models/{MODEL}/versions/1:predict"])
def test_row_format_answers_predictions_one_object_per_instance(url, path):
    status, answer = predict(url, {"instances": ["16+75", "52+607"]}, path)
    assert status == 200
    assert [row["output"] for row in answer["predictions"]] == ["91", "659"]
    assert all(set(row) == {"output", "score"} and row["score"] <= 0 for row in answer["predictions"])


def test_columnar_format_answers_outputs_one_list_per_output(url):
    for inputs in (["16+75", "52+607"], {"text": ["16+75", "52+607"]}):
        status, answer = predict(url, {"inputs": inputs})
        assert status == 200
        assert set(answer) == {"outputs"} and answer["outputs"]["output"] == ["91", "659"]
        assert len(answer["outputs"]["score"]) == 2


def test_named_instances_b64_and_signature_name(url):
    encoded = base64.b64encode(b"52+607").decode()
    body = {"signature_name": "serving_default", "instances": [{"text": "16+75"}, {"text": {"b64": encoded}}]}
    status, answer = predict(url, body)
    assert status == 200 and [row["output"] for row in answer["predictions"]] == ["91", "659"]
    status, answer = predict(url, {"inputs": {"text": [{"b64": encoded}]}})
    assert status == 200 and answer["outputs"]["output"] == ["659"]


def test_floats_are_written_as_tf_serving_writes_them(url):
    status, text = http(url + f"/v1/models/{MODEL}:predict", json.dumps({"inputs": ["16+75"]}))
    score = json.loads(text)["outputs"]["score"][0]
    written = text.split('"score": [')[1].split("]")[0]
    assert np.float32(float(written)) == np.float32(score) and len(written.lstrip("-")) <= 12


# ---- REST: bad requests ----

BAD_BODIES = [
    pytest.param(b"", 400, "JSON Parse error: The document is empty", id="empty-body"),
    pytest.param(b"{nope", 400, "JSON Parse error", id="malformed-json"),
    pytest.param(b"[1, 2]", 400, "Is not object", id="not-an-object"),
    pytest.param({"foo": ["16+75"]}, 400, "Missing 'inputs' or 'instances' key", id="no-inputs"),
    pytest.param({"instances": ["1+1"], "inputs": ["1+1"]}, 400, "expecting only one of", id="both-formats"),
    pytest.param({"instances": "16+75"}, 400, "to be an list/array", id="instances-not-a-list"),
    pytest.param({"instances": []}, 400, "No values in 'instances' array", id="no-instances"),
    pytest.param({"instances": [16]}, 400, "is not of expected type: string", id="wrong-dtype"),
    pytest.param({"inputs": [True]}, 400, "Type: True is not of expected type: string", id="wrong-dtype-bool"),
    pytest.param({"instances": [["1+1", "2+2"]]}, 400, "shape [1,2]", id="wrong-shape"),
    pytest.param({"inputs": "16+75"}, 400, "shape []", id="scalar-input"),
    pytest.param({"inputs": [["1+1"], "2+2"]}, 400, "found at incorrect level", id="ragged"),
    pytest.param({"inputs": {"txt": ["16+75"]}}, 400, "Missing named input: text", id="missing-input"),
    pytest.param({"instances": [{"txt": "16+75"}]}, 400, "does not have named input: txt", id="unknown-input"),
    pytest.param({"instances": [{"b64": "***"}]}, 400, "Unable to base64 decode", id="bad-b64"),
    pytest.param({"signature_name": 7, "instances": ["1+1"]}, 400, "'signature_name' key must be a string", id="bad-signature-name"),
    pytest.param({"signature_name": "nope", "instances": ["1+1"]}, 400, 'Serving signature name: "nope" not found', id="unknown-signature"),
    pytest.param({"instances": [""]}, 400, "is empty", id="empty-text"),
    pytest.param({"instances": ["1" * 100_000]}, 400, "longer than", id="100kB-text"),
    pytest.param({"instances": [{"b64": base64.b64encode(b"\xff+1").decode()}]}, 400, "not valid UTF-8", id="b64-not-utf8"),
    pytest.param(b'{"instances": ["1+\xff"]}', 400, "not valid UTF-8", id="raw-bytes-not-utf8"),
    pytest.param(b"[" * 5000 + b"]" * 5000, 400, "JSON", id="deeply-nested"),
]


@pytest.mark.parametrize("body, code, named", BAD_BODIES)
def test_bad_predict_requests_get_tf_serving_errors(url, body, code, named):
    status, answer = predict(url, body)
    assert status == code and set(answer) == {"error"}
    assert named in answer["error"], answer["error"]


@pytest.mark.parametrize(
    "method, path, code, named",
    [
        ("POST", "/v1/models/nope:predict", 404, "Servable not found for request: Latest(nope)"),
        ("POST", f"/v1/models/{MODEL}/versions/7:predict", 404, f"Servable not found for request: Specific({MODEL}, 7)"),
        ("GET", "/v1/models/nope", 404, "Could not find any versions of model nope"),
        ("GET", f"/v1/models/{MODEL}/versions/7", 404, f"Could not find version 7 of model {MODEL}"),
        ("GET", f"/v1/models/{MODEL}/versions/7/metadata", 404, "Servable not found"),
        ("GET", "/v1/models", 400, "Missing model name in request."),
        ("GET", f"/v1/models/{MODEL}:predict", 400, f"Malformed request: GET /v1/models/{MODEL}:predict"),
        ("DELETE", f"/v1/models/{MODEL}", 400, "Malformed request: DELETE"),
        ("POST", f"/v1/models/{MODEL}/versions/99999999999999999999:predict", 400, "Failed to convert version"),
        ("POST", f"/v1/models/{MODEL}:classify", 501, "classify is not supported"),
        ("GET", "/elsewhere", 404, "Not found"),
    ],
)
def test_bad_routes_get_tf_serving_errors(url, method, path, code, named):
    body = json.dumps({"instances": ["16+75"]}) if method == "POST" else None
    status, text = http(url + path, body, method=method)
    assert status == code
    assert named in json.loads(text)["error"]


def test_metrics_count_requests_by_model_and_status(embedded, url):
    http(url + "/v1/models/nope:predict", json.dumps({"instances": ["1+1"]}))
    embedded.rest().predict(["1+1"])
    with embedded.grpc() as client:
        client.predict(["1+1"])
    status, page = http(url + METRICS_PATH)
    assert status == 200
    assert f':tensorflow:serving:request_count_total{{model_name="{MODEL}",status="OK"}}' in page
    # Names the server does not serve share one label, so that random names cannot grow the page.
    assert ':tensorflow:serving:request_count_total{model_name="<unknown>",status="NOT_FOUND"}' in page
    assert "nope" not in page
    for entrypoint in ("REST", "GRPC"):
        assert f'API="predict",entrypoint="{entrypoint}",le="+Inf",model_name="{MODEL}"' in page
    assert ":tensorflow:serving:request_latency_sum" in page
    assert 'model_name="<unknown>"}' not in page.split("request_latency")[1]  # latency: successful requests only


# ---- gRPC: methods and errors ----


@pytest.fixture
def stubs(embedded):
    channel = grpc.insecure_channel(embedded.grpc_target)
    yield prediction_service_pb2_grpc.PredictionServiceStub(channel), model_service_pb2_grpc.ModelServiceStub(channel)
    channel.close()


def _request(inputs=None, signature_name="", output_filter=()):
    request = predict_pb2.PredictRequest(output_filter=list(output_filter))
    request.model_spec.name = MODEL
    request.model_spec.signature_name = signature_name
    for name, value in (inputs if inputs is not None else {"text": ["16+75"]}).items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return request


def _rpc_error(call, request):
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=30)
    return caught.value.code(), caught.value.details()


def test_grpc_predict_answers_with_version_and_signature(stubs):
    response = stubs[0].Predict(_request(), timeout=30)
    assert response.model_spec.name == MODEL and response.model_spec.version.value == 1
    assert response.model_spec.signature_name == "serving_default"
    assert list(response.outputs["output"].string_val) == [b"91"]
    assert len(response.outputs["score"].float_val) == 1


def test_grpc_output_filter(stubs):
    response = stubs[0].Predict(_request(output_filter=["output"]), timeout=30)
    assert set(response.outputs) == {"output"}


@pytest.mark.parametrize(
    "request_args, code, named",
    [
        (dict(inputs={}), grpc.StatusCode.INVALID_ARGUMENT, "input size does not match signature: 0!=1"),
        (dict(inputs={"txt": ["16+75"]}), grpc.StatusCode.INVALID_ARGUMENT, "Missing but required: {text}"),
        (dict(inputs={"text": np.array([1.5], np.float32)}), grpc.StatusCode.INVALID_ARGUMENT, "Expects arg[0] to be string but float is provided"),
        (dict(inputs={"text": [["1+1", "2+2"]]}), grpc.StatusCode.INVALID_ARGUMENT, "shape [1,2]"),
        (dict(inputs={"text": [""]}), grpc.StatusCode.INVALID_ARGUMENT, "is empty"),
        (dict(output_filter=["nope"]), grpc.StatusCode.INVALID_ARGUMENT, "output tensor alias not found in signature: nope"),
        (dict(output_filter=["output", "output"]), grpc.StatusCode.INVALID_ARGUMENT, "duplicate output tensor alias: output"),
        (dict(signature_name="nope"), grpc.StatusCode.FAILED_PRECONDITION, 'Serving signature key "nope" not found.'),
    ],
)
def test_grpc_bad_predict_requests(stubs, request_args, code, named):
    assert _rpc_error(stubs[0].Predict, _request(**request_args)) == (code, _details_containing(named))


def test_grpc_malformed_tensors_are_parsing_errors(stubs):
    negative = _request()
    negative.inputs["text"].tensor_shape.dim[0].size = -1
    garbage = _request({"text": ["1+1", "2+2"]})
    del garbage.inputs["text"].string_val[:]
    garbage.inputs["text"].tensor_content = b"abc"  # strings cannot be packed bytes
    for request in (negative, garbage):
        code, details = _rpc_error(stubs[0].Predict, request)
        assert code == grpc.StatusCode.INVALID_ARGUMENT and "tensor parsing error: text" in details


def test_grpc_metadata_and_status_errors(stubs):
    predictions, models = stubs
    assert _rpc_error(predictions.GetModelMetadata, get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "Missing ModelSpec",
    )
    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["nope"])
    request.model_spec.name = MODEL
    assert _rpc_error(predictions.GetModelMetadata, request) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "Metadata field nope is not supported",
    )
    assert _rpc_error(models.GetModelStatus, get_model_status_pb2.GetModelStatusRequest())[0] == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = _rpc_error(predictions.Classify, classification_pb2.ClassificationRequest())
    assert code == grpc.StatusCode.UNIMPLEMENTED


class _details_containing(str):
    """Compares equal to any string that contains it."""

    def __eq__(self, other):
        return isinstance(other, str) and str(self) in other

    __hash__ = str.__hash__


@pytest.mark.parametrize(
    "value, written",
    [
        (np.float32(0.2), "0.2"),
        (np.float32(1.0), "1.0"),
        (np.float32(9000000.0), "9e+06"),
        (np.float32(-0.234684229), "-0.234684229"),
        (np.float64(0.1), "0.1"),
        (np.float32("nan"), "NaN"),
        (np.float32("-inf"), "-Infinity"),
    ],
)
def test_decimals_as_tf_serving_writes_them(value, written):
    from keras_seq2seq.serving.json_tensors import _decimal

    assert _decimal(value) == written
