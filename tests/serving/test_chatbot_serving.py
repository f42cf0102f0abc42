"""The `chatbot` preset exported for TF Serving: stock ops only (TF Text's word pieces), answers like `generate`
over REST and gRPC from the embedded server, and bad messages as INVALID_ARGUMENT while the server goes on.
"""

import subprocess
import sys

import grpc
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.export import export
from keras_seq2seq.export.op_check import forbidden_ops
from keras_seq2seq.serving import ModelConfig, ModelServer, ServingError

from .conftest import wait_until

MODEL = "chatbot"
# Held-out prompts, one with a word the corpus never had (an emoji: the unknown id, answered anyway).
MESSAGES = ["What is your name?", "Do you like music?", "hello 🦜", "Tell me about the moon."]
WORD_PIECE_OPS = {"FastBertNormalize", "FastWordpieceTokenizeWithOffsets", "TFText>FastWordpieceDetokenize"}


@pytest.fixture(scope="module")
def model():
    if MODEL not in ks.models.zoo_names():
        pytest.skip("the zoo has no chatbot preset yet")
    return ks.from_preset(MODEL)


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    return export(model, tmp_path_factory.mktemp("models") / MODEL, version=1)


@pytest.fixture(scope="module")
def server(exported):
    server = ModelServer([ModelConfig(MODEL, exported.parent)], port=0, rest_api_port=0, host="127.0.0.1").start()
    rest = ks.serving.RestClient(f"http://127.0.0.1:{server.rest_port}", model=MODEL, timeout=60)
    wait_until(lambda: rest.status()["model_version_status"][0]["state"] == "AVAILABLE", "the chatbot is available")
    yield server
    server.stop()


@pytest.fixture(params=["rest", "grpc"])
def client(server, request):
    if request.param == "rest":
        yield ks.serving.RestClient(f"http://127.0.0.1:{server.rest_port}", model=MODEL, timeout=60)
        return
    with ks.serving.GrpcClient(f"127.0.0.1:{server.grpc_port}", model=MODEL, timeout=60) as grpc_client:
        yield grpc_client


def test_the_graph_runs_in_a_stock_server_with_tf_text_word_pieces(exported):
    assert forbidden_ops(exported) == []
    graph = tf.saved_model.load(str(exported)).signatures["serving_default"].graph.as_graph_def()
    ops = {node.op for function in graph.library.function for node in function.node_def}
    assert WORD_PIECE_OPS <= ops


def test_the_server_answers_like_generate(model, client):
    assert client.predict(MESSAGES) == model.generate(MESSAGES)


@pytest.mark.parametrize(
    "message, named",
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param("   ", "is empty", id="blank"),
        pytest.param("hi, " * 25_000, "longer than 48 tokens", id="100kB"),
        pytest.param(b"\xff\xfehi", "not valid UTF-8", id="not-utf8"),
    ],
)
def test_a_bad_message_is_an_invalid_argument_and_the_server_goes_on(model, client, message, named):
    with pytest.raises(ServingError) as caught:
        client.predict([MESSAGES[0], message])
    assert caught.value.status in (400, grpc.StatusCode.INVALID_ARGUMENT), caught.value
    assert named in caught.value.message
    assert client.predict(MESSAGES[:1]) == model.generate(MESSAGES[:1])


def test_a_server_of_its_own_loads_the_chatbot_without_tf_text_imported_beforehand(exported):
    """TF Text's ops are registered by the loader, not by an import elsewhere in the process."""
    script = (
        "import sys\n"
        "from keras_seq2seq.serving.servable import Servable\n"
        "assert 'tensorflow_text' not in sys.modules\n"
        f"servable = Servable('chatbot', 1, {str(exported)!r}, executor=None)\n"
        "print(servable.call('serving_default', {'text': [b'hello']})['output'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "b'" in result.stdout, result.stderr[-2000:]
