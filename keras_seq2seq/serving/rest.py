"""TF Serving's REST API on aiohttp: model status, model metadata and predict, with TF Serving's JSON.

Requests and answers follow TF Serving's `http_rest_api_handler.cc` and
`json_tensor.cc`: the same URL patterns, row ("instances") and columnar
("inputs") formats, `{"b64": ...}` binary strings, errors as `{"error": ...}`
with the same messages and HTTP status codes.
"""

import asyncio
import json
import logging
import re
import time
import urllib.parse

from aiohttp import web
from google.protobuf import json_format

from keras_seq2seq.serving.errors import ServerError, invalid_argument
from keras_seq2seq.serving.json_tensors import format_error, parse_json, predictions_json, request_inputs
from keras_seq2seq.serving.model_registry import metadata_response, status_response
from keras_seq2seq.serving.servable import DEFAULT_SIGNATURE

log = logging.getLogger("keras_seq2seq.serving")

API_PATH = re.compile(r"/v1/.*", re.I)
PREDICT_PATH = re.compile(r"/v1/models/([^/:]+)(?:/versions/(\d+))?:(classify|regress|predict)", re.I)
STATUS_PATH = re.compile(r"/v1/models(?:/([^/:]+))?(?:/versions/(\d+))?(?:/(metadata))?", re.I)


class RestApi:
    """The aiohttp application; predictions go through `registry` servables, counted in `metrics`."""

    def __init__(self, registry, metrics, monitoring_path=None, client_max_size=64 * 2**20):
        self.registry, self.metrics, self.monitoring_path = registry, metrics, monitoring_path
        self.app = web.Application(client_max_size=client_max_size)
        self.app.router.add_route("*", "/{path:.*}", self.handle)

    async def handle(self, request):
        path = request.rel_url.raw_path
        if self.monitoring_path and path == self.monitoring_path and request.method == "GET":
            return web.Response(body=self.metrics.page(), headers={"Content-Type": self.metrics.content_type})
        if not API_PATH.fullmatch(path):
            error = json.dumps({"error": f"Not found: {request.method} {path}"})
            raise web.HTTPNotFound(text=error, content_type="application/json")
        started, seen, code = time.perf_counter(), {}, "OK"
        try:
            body = await request.read()
            answer = await self._dispatch(request.method, path, body, seen)
            return web.Response(text=answer, content_type="application/json")
        except ServerError as error:
            code = error.code
            return web.Response(
                text=json.dumps({"error": error.message}), status=error.http_status, content_type="application/json"
            )
        except Exception as error:  # noqa: BLE001 (a bug must not take the server down)
            log.exception("REST %s %s failed", request.method, path)
            code = "INTERNAL"
            text = json.dumps({"error": f"{type(error).__name__}: {error}"})
            return web.Response(text=text, status=500, content_type="application/json")
        finally:
            if seen.get("model"):
                self.metrics.record(seen["model"], seen["api"], "REST", code, time.perf_counter() - started)

    async def _dispatch(self, method, path, body, seen):
        """The answer's JSON text; fills `seen` with the model name and API as soon as they are known."""
        match = PREDICT_PATH.fullmatch(path) if method == "POST" else None
        if match:
            seen.update(model=_model_name(match[1]), api="predict")
            if match[3].lower() != "predict":
                raise ServerError("UNIMPLEMENTED", f"{match[3]} is not supported by this server: use :predict")
            return await self._predict(seen["model"], _version(match[2]), body)
        match = STATUS_PATH.fullmatch(path) if method == "GET" else None
        if match:
            name, version = _model_name(match[1] or ""), _version(match[2])
            seen.update(model=name, api="GetModelMetadata" if match[3] else "GetModelStatus")
            if not name:
                raise invalid_argument("Missing model name in request.")
            if match[3]:
                return _metadata_json(metadata_response(self.registry, name, version))
            response = status_response(self.registry, name, version)
            return json_format.MessageToJson(response, always_print_fields_with_no_presence=True)
        raise invalid_argument(f"Malformed request: {method} {path}")

    async def _predict(self, name, version, body):
        document = parse_json(body)
        signature_name = document.get("signature_name", "")
        if not isinstance(signature_name, str):
            raise format_error(document, "not formatted correctly. 'signature_name' key must be a string value.")
        servable = self.registry.servable(name, version)
        key = signature_name or DEFAULT_SIGNATURE
        if key not in servable.signature_defs:
            raise invalid_argument(f'Serving signature name: "{key}" not found in signature def')
        infos = servable.signature_defs[key].inputs
        if not infos:
            raise invalid_argument(f"Failed to get input map for signature: {signature_name or 'DEFAULT'}")
        inputs, row_format = request_inputs(document, infos)
        outputs = await asyncio.wrap_future(servable.submit(signature_name, inputs))
        return predictions_json(outputs, row_format)


def _metadata_json(response):
    """TF Serving's metadata JSON: model_spec and the unpacked SignatureDefMap, with proto field names."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    signatures = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signatures)
    options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    document = {
        "model_spec": json_format.MessageToDict(response.model_spec, **options),
        "metadata": {"signature_def": json_format.MessageToDict(signatures, **options)},
    }
    return json.dumps(document, indent=1)


def _model_name(raw):
    return urllib.parse.unquote(raw)


def _version(text):
    if not text:
        return None
    if int(text) >= 2**63:
        raise invalid_argument(f"Failed to convert version: {text} to numeric.")
    return int(text)
