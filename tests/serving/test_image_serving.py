"""The embedded server serves the exported `captioning` preset: images as b64 over REST, as bytes over gRPC."""

import base64
import json

import grpc
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

import keras_seq2seq as ks
from conftest import run_cli  # the root conftest's (tests/ is on sys.path)
from keras_seq2seq.data import caption_scenes
from keras_seq2seq.export import export
from keras_seq2seq.serving import GrpcClient, ModelConfig, ModelServer, RestClient

from .conftest import http, wait_until

MODEL = "captioning"


@pytest.fixture(scope="module")
def scenes():
    images, captions = caption_scenes(4, seed=7, split="held_out")
    pngs = [tf.io.encode_png(image).numpy() for image in images]
    return pngs, captions, ks.from_preset(MODEL).generate(pngs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base_path = tmp_path_factory.mktemp("models") / MODEL
    export(MODEL, base_path, version=1)
    server = ModelServer([ModelConfig(MODEL, base_path)], port=0, rest_api_port=0, host="127.0.0.1").start()
    url = f"http://127.0.0.1:{server.rest_port}"
    wait_until(lambda: RestClient(url, model=MODEL).status()["model_version_status"][0]["state"] == "AVAILABLE",
               "the captioning model is available")
    yield server, url
    server.stop()


def _rest_predict(url, instances):
    status, text = http(f"{url}/v1/models/{MODEL}:predict", json.dumps({"instances": instances}))
    return status, json.loads(text)


def _b64(data):
    return {"b64": base64.b64encode(data).decode("ascii")}


def test_rest_b64_images_get_the_captions_generate_gives(server, scenes):
    _, url = server
    pngs, captions, generated = scenes
    status, answer = _rest_predict(url, [_b64(png) for png in pngs])
    assert status == 200
    assert [row["output"] for row in answer["predictions"]] == generated
    assert sum(g == c for g, c in zip(generated, captions)) >= 3  # the preset reads held-out scenes
    assert all(row["score"] <= 0 for row in answer["predictions"])
    assert RestClient(url, model=MODEL).predict(pngs) == generated  # the client sends bytes as b64


def test_grpc_bytes_get_the_same_captions(server, scenes):
    grpc_server, _ = server
    pngs, _, generated = scenes
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL
    request.inputs["image_bytes"].CopyFrom(tf.make_tensor_proto(pngs, dtype=tf.string))
    with grpc.insecure_channel(f"127.0.0.1:{grpc_server.grpc_port}") as channel:
        response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=60)
    assert [text.decode() for text in response.outputs["output"].string_val] == generated
    client = GrpcClient(f"127.0.0.1:{grpc_server.grpc_port}", model=MODEL, timeout=60, input_name="image_bytes")
    assert client.predict(pngs) == generated


@pytest.mark.parametrize(
    "instance, named",
    [
        (_b64(b"this is not an image"), "input 0 is not a PNG, JPEG, GIF or BMP image"),
        (_b64(b"\x89PNG\r\n\x1a\n truncated"), "PNG"),
        ("not even base64 bytes", "input 0 is not a PNG, JPEG, GIF or BMP image"),
    ],
)
def test_bad_bytes_are_invalid_argument_and_the_server_keeps_serving(server, scenes, instance, named):
    grpc_server, url = server
    pngs, _, generated = scenes
    status, answer = _rest_predict(url, [instance])
    assert status == 400 and named in answer["error"], answer
    assert "Traceback" not in answer["error"]
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL
    request.inputs["image_bytes"].CopyFrom(tf.make_tensor_proto([b"junk"], dtype=tf.string))
    with grpc.insecure_channel(f"127.0.0.1:{grpc_server.grpc_port}") as channel:
        with pytest.raises(grpc.RpcError) as caught:
            prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=60)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status, answer = _rest_predict(url, [_b64(pngs[0])])  # still serving
    assert status == 200 and answer["predictions"][0]["output"] == generated[0]


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_query_images_captions_image_files(server, scenes, tmp_path, protocol):
    grpc_server, url = server
    pngs, _, generated = scenes
    paths = []
    for index, png in enumerate(pngs[:2]):
        paths.append(tmp_path / f"scene{index}.png")
        paths[-1].write_bytes(png)
    where = ["--rest", url] if protocol == "rest" else ["--grpc", f"127.0.0.1:{grpc_server.grpc_port}"]
    code, out, err = run_cli(["query", "--model", MODEL, *where, "--images", *paths])
    assert (code, out, err) == (0, "".join(f"{caption}\n" for caption in generated[:2]), "")
    code, out, err = run_cli(["query", "--model", MODEL, *where, "--images", tmp_path / "missing.png"])
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "cannot read image" in err and "missing.png" in err
