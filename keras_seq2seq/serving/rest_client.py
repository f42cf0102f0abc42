"""A client of TF Serving's REST API (the real server or `keras-seq2seq serve`), on the standard library only."""

import base64
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from keras_seq2seq.serving.client import Client
from keras_seq2seq.serving.errors import ServingError


class RestClient(Client):
    """Asks `model` on the server at `url` for answers; every call waits at most `timeout` seconds.

    Errors are `ServingError`s with the server's message and HTTP status, or
    with status None when the server cannot be reached or does not answer in time.
    """

    def __init__(self, url="http://127.0.0.1:8501", model="addition", timeout=10):
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout

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
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise ServingError(_error_message(error), status=error.code, server=self.url) from None
        except (TimeoutError, socket.timeout):
            raise self._timeout() from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise self._timeout() from None
            reason = getattr(error.reason, "strerror", None) or str(error.reason)
            raise ServingError(f"cannot reach the model server at {self.url}: {reason}") from None
        except (ConnectionError, OSError) as error:
            raise ServingError(f"cannot reach the model server at {self.url}: {error.strerror or error}") from None
        try:
            return json.loads(payload)
        except ValueError:
            raise ServingError(f"the answer is not JSON: {payload[:200]!r}", server=self.url) from None

    def _timeout(self):
        return ServingError(f"the model server at {self.url} did not answer within {self.timeout} s")


def _error_message(error):
    try:
        body = error.read()
    except OSError:
        body = b""
    try:
        return json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip()[:500] or error.reason


def _text(value):
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"]).decode("utf-8", "replace")
    return value
