"""The REST and gRPC clients against a server on loopback: the embedded one, and the real one when installed.

The same suite runs against both, so the embedded server is held to what
`tensorflow_model_server` answers.
"""

import http.server
import json
import socket
import threading

import grpc
import pytest

from keras_seq2seq.serving import GrpcClient, RestClient, ServingError

from .conftest import MODEL

BAD_TEXTS = [
    pytest.param("", "is empty", id="empty"),
    pytest.param("9" * 100_000, "longer than", id="100kB"),
    pytest.param("1?2", "outside the vocabulary", id="unknown-character"),
    pytest.param(b"\xff\xfe+1", "not valid UTF-8", id="not-utf8"),
]


def _is_invalid_argument(error):
    return error.status in (400, grpc.StatusCode.INVALID_ARGUMENT)


def _is_not_found(error):
    return error.status in (404, grpc.StatusCode.NOT_FOUND)


class ClientSuite:
    """Tests of both clients; subclasses give the `target` fixture."""

    @pytest.fixture(params=["rest", "grpc"])
    def client(self, target, request):
        client = target.rest() if request.param == "rest" else target.grpc()
        yield client
        if request.param == "grpc":
            client.close()

    def test_predict_answers_each_text_in_order(self, client):
        assert client.predict(["16+75", "52+607", "999+999"]) == ["91", "659", "1998"]

    def test_predict_takes_a_single_string_and_bytes(self, client):
        assert client.predict("16+75") == ["91"]
        assert client.predict([b"52+607"]) == ["659"]

    def test_predict_of_nothing_is_nothing(self, client):
        assert client.predict([]) == []

    def test_scores_are_log_probabilities(self, client):
        [(answer, score)] = client.predict_with_scores(["16+75"])
        assert answer == "91" and isinstance(score, float) and score <= 0.0

    def test_a_specific_version(self, client):
        assert client.predict(["16+75"], version=1) == ["91"]

    def test_status_of_every_version_and_of_one(self, client):
        expected = {
            "model_version_status": [
                {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
            ]
        }
        assert client.status() == expected
        assert client.status(version=1) == expected

    def test_metadata_describes_the_serving_signature(self, client):
        for metadata in (client.metadata(), client.metadata(version=1)):
            assert metadata["model_spec"]["name"] == MODEL and metadata["model_spec"]["version"] == "1"
            signature = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]
            assert signature["method_name"] == "tensorflow/serving/predict"
            assert signature["inputs"]["text"]["dtype"] == "DT_STRING"
            assert signature["inputs"]["text"]["tensor_shape"]["dim"] == [{"size": "-1", "name": ""}]
            assert {name: output["dtype"] for name, output in signature["outputs"].items()} == {
                "output": "DT_STRING",
                "score": "DT_FLOAT",
            }

    def test_rest_and_grpc_give_the_same_status_and_metadata(self, target):
        with target.grpc() as grpc_client:
            assert target.rest().status() == grpc_client.status()
            assert target.rest().metadata() == grpc_client.metadata()

    @pytest.mark.parametrize("text, named", BAD_TEXTS)
    def test_a_bad_text_is_an_invalid_argument_and_the_server_goes_on(self, client, text, named):
        with pytest.raises(ServingError) as caught:
            client.predict(["16+75", text])
        assert _is_invalid_argument(caught.value), caught.value
        assert named in caught.value.message
        assert named in str(caught.value) and "\n" not in str(caught.value)
        assert client.predict(["16+75"]) == ["91"]

    @pytest.mark.parametrize("call", ["predict", "status", "metadata"])
    def test_unknown_model_and_version_are_not_found(self, target, call):
        for client in (target.rest(model="nope"), target.grpc(model="nope")):
            with pytest.raises(ServingError) as caught:
                getattr(client, call)(*(["16+75"] if call == "predict" else []))
            assert _is_not_found(caught.value) and "nope" in caught.value.message
        for client in (target.rest(), target.grpc()):
            with pytest.raises(ServingError) as caught:
                getattr(client, call)(*(["16+75"] if call == "predict" else []), version=42)
            assert _is_not_found(caught.value) and "42" in caught.value.message


class TestEmbeddedServer(ClientSuite):
    @pytest.fixture
    def target(self, embedded):
        return embedded


class TestRealServer(ClientSuite):
    """Runs only where `tensorflow_model_server` is on PATH (the `real` fixture skips otherwise)."""

    @pytest.fixture
    def target(self, real):
        return real


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_connection_refused_is_a_clear_error(closed_port):
    with pytest.raises(ServingError) as caught:
        RestClient(f"http://127.0.0.1:{closed_port}", timeout=5).predict(["16+75"])
    assert caught.value.status is None and "cannot reach the model server" in str(caught.value)
    with GrpcClient(f"127.0.0.1:{closed_port}", timeout=5) as client, pytest.raises(ServingError) as caught:
        client.predict(["16+75"])
    assert caught.value.status == grpc.StatusCode.UNAVAILABLE and "cannot reach the model server" in str(caught.value)


def test_a_server_that_does_not_answer_times_out(silent_port):
    with pytest.raises(ServingError) as caught:
        RestClient(f"http://127.0.0.1:{silent_port}", timeout=0.5).status()
    assert caught.value.status is None and "did not answer within 0.5 s" in str(caught.value)
    with GrpcClient(f"127.0.0.1:{silent_port}", timeout=0.5) as client, pytest.raises(ServingError) as caught:
        client.status()
    assert caught.value.status == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "did not answer within 0.5 s" in str(caught.value)


class _AnswerThenHangUp(http.server.BaseHTTPRequestHandler):
    """Answers each request with an HTTP/1.1 keep-alive answer, then closes the connection anyway.

    Each connection is recorded before its answer is written: once the client has
    read an answer, the server has recorded the connection that carried it.
    """

    protocol_version = "HTTP/1.1"
    connections = None  # a list, set by the test

    def do_GET(self):  # noqa: N802 (http.server's method name)
        self.connections.append(self.client_address)
        body = json.dumps({"model_version_status": [{"version": "1", "state": "AVAILABLE"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass


def test_rest_client_reuses_its_connection_and_reconnects_when_the_server_hung_up(monkeypatch):
    connections = []
    monkeypatch.setattr(_AnswerThenHangUp, "connections", connections)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AnswerThenHangUp) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            client = RestClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=5)
            for _ in range(3):  # the 2nd and 3rd calls find their kept connection closed
                assert client.status()["model_version_status"][0]["state"] == "AVAILABLE"
            assert len(connections) == len(set(connections)) == 3  # one request per connection, none lost
        finally:
            server.shutdown()


def test_rest_client_keeps_one_connection_open_between_calls(embedded):
    client = embedded.rest()
    client.predict(["1+1"])
    first = client._local.connection.sock
    client.predict(["2+2"])
    assert client._local.connection.sock is first
    client.close()
    assert client._local.connection is None


def test_a_rest_url_that_is_not_http_is_a_clear_error():
    with pytest.raises(ValueError, match="must look like http://host:port"):
        RestClient("127.0.0.1:8501")
