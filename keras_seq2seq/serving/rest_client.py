"""A client of TF Serving's REST API (the real server or `keras-seq2seq serve`), on the standard library only."""

import base64
import http.client
import json
import socket
import threading
import urllib.parse

from keras_seq2seq.serving.client import Client
from keras_seq2seq.serving.errors import ServingError


class RestClient(Client):
    """Asks `model` on the server at `url` for answers; every call waits at most `timeout` seconds.

    Errors are `ServingError`s with the server's message and HTTP status, or
    with status None when the server cannot be reached or does not answer in time.
    Each thread keeps its own connection open between calls; `close()` closes it.
    """

    def __init__(self, url="http://127.0.0.1:8501", model="addition", timeout=10):
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the REST URL must look like http://host:port, got {url!r}")
        self._scheme, self._netloc, self._prefix = parts.scheme, parts.netloc, parts.path
        self._local = threading.local()  # one kept-alive connection per thread

    def predict_with_scores(self, texts, version=None):
        """`[(answer, score), ...]`: each answer with its score (None if the model gives none)."""
        texts = self.as_texts(texts)
        if not texts:
            return []
        instances = [
            {"b64": base64.b64encode(text).decode("ascii")} if isinstance(text, bytes) else text for text in texts
        ]
        answer = self._request("POST", f"{self._model_path(version)}:predict", {"instances": instances})
        predictions = answer.get("predictions") if isinstance(answer, dict) else None
        if not isinstance(predictions, list) or len(predictions) != len(texts):
            raise ServingError(f"unexpected answer to predict: {str(answer)[:200]}", server=self.url)
        results = []
        for prediction in predictions:
            if isinstance(prediction, dict):
                results.append((_text(prediction.get("output")), prediction.get("score")))
            else:
                results.append((_text(prediction), None))
        return results

    def metadata(self, version=None):
        """The model's metadata: `{"model_spec": ..., "metadata": {"signature_def": ...}}`."""
        return self._request("GET", f"{self._model_path(version)}/metadata")

    def status(self, version=None):
        """The model's version states: `{"model_version_status": [{"version": "1", "state": "AVAILABLE", ...}]}`."""
        return self._request("GET", self._model_path(version))

    def _model_path(self, version):
        path = f"/v1/models/{urllib.parse.quote(self.model, safe='')}"
        return path if version is None else f"{path}/versions/{int(version)}"

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {} if data is None else {"Content-Type": "application/json"}
        try:
            status, reason, payload = self._exchange(method, self._prefix + path, data, headers)
        except (TimeoutError, socket.timeout):
            self._drop_connection()
            raise self._timeout() from None
        except (http.client.HTTPException, OSError) as error:
            self._drop_connection()
            message = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise ServingError(f"cannot reach the model server at {self.url}: {message}") from None
        if status >= 400:
            raise ServingError(_error_message(payload, reason), status=status, server=self.url)
        try:
            return json.loads(payload)
        except ValueError:
            raise ServingError(f"the answer is not JSON: {payload[:200]!r}", server=self.url) from None

    def _exchange(self, method, path, data, headers):
        """`(status, reason, body)` over this thread's kept-alive connection.

        A connection the server closed while idle fails on its next request; that
        request is sent once more on a new connection. (urllib opens a connection
        per request, which cost about 0.5 ms per request on loopback.)
        """
        reused = getattr(self._local, "connection", None) is not None
        try:
            return self._send(method, path, data, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self._drop_connection()
            if not reused:
                raise
        return self._send(method, path, data, headers)

    def _send(self, method, path, data, headers):
        connection = self._connection()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.reason, response.read()

    def _connection(self):
        if getattr(self._local, "connection", None) is None:
            kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            self._local.connection = kind(self._netloc, timeout=self.timeout)
        return self._local.connection

    def _drop_connection(self):
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            connection.close()

    def close(self):
        """Closes this thread's connection (others close when their threads end)."""
        self._drop_connection()

    def _timeout(self):
        return ServingError(f"the model server at {self.url} did not answer within {self.timeout} s")


def _error_message(body, reason):
    try:
        return json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip()[:500] or reason


def _text(value):
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"]).decode("utf-8", "replace")
    return value
