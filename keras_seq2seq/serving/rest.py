"""TF Serving's REST API on aiohttp: model status, model metadata and predict, with TF Serving's JSON.

Requests and answers follow TF Serving's `http_rest_api_handler.cc` and
`json_tensor.cc`: the same URL patterns, row ("instances") and columnar
("inputs") formats, `{"b64": ...}` binary strings, errors as `{"error": ...}`
with the same messages and HTTP status codes. Each request is bounded by
`RequestLimits` (its body's size, its JSON's depth, its time); a request whose
client closes the connection, or that runs past `--rest_api_timeout_in_ms`,
has its computation stopped.
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
from keras_seq2seq.serving.limits import RequestLimits
from keras_seq2seq.serving.model_registry import metadata_response, status_response
from keras_seq2seq.serving.servable import DEFAULT_SIGNATURE
from keras_seq2seq.serving.signature_call import Cancellation

log = logging.getLogger("keras_seq2seq.serving")

API_PATH = re.compile(r"/v1/.*", re.I)
_VERSION_OR_LABEL = r"(?:/versions/(\d+)|/labels/([^/:]+))?"
PREDICT_PATH = re.compile(rf"/v1/models/([^/:]+){_VERSION_OR_LABEL}:(classify|regress|predict)", re.I)
STATUS_PATH = re.compile(rf"/v1/models(?:/([^/:]+))?{_VERSION_OR_LABEL}(?:/(metadata))?", re.I)
# A body larger than this is parsed in a worker thread: a 20 MB body took the event loop 1.4 s.
OFF_LOOP_BYTES = 64 * 1024


class RestApi:
    """The aiohttp application; predictions go through `registry` servables, counted in `metrics`, within `limits`."""

    def __init__(self, registry, metrics, monitoring_path=None, limits=RequestLimits()):
        self.registry, self.metrics, self.monitoring_path, self.limits = registry, metrics, monitoring_path, limits
        self.app = web.Application(client_max_size=limits.max_request_bytes)
        self.app.router.add_route("*", "/{path:.*}", self.handle)

    async def handle(self, request):
        path = request.rel_url.raw_path
        if self.monitoring_path and path == self.monitoring_path and request.method == "GET":
            page = await asyncio.get_running_loop().run_in_executor(None, self.metrics.page)
            return web.Response(body=page, headers={"Content-Type": self.metrics.content_type})
        if not API_PATH.fullmatch(path):
            return _error_response(404, f"Not found: {request.method} {path}")
        started, seen, code = time.perf_counter(), {}, "OK"
        cancel = Cancellation()
        try:
            async with asyncio.timeout(self.limits.rest_api_timeout_in_ms / 1000):
                body = await self._body(request)
                answer = await self._dispatch(request.method, path, body, seen, cancel)
            return web.Response(text=answer, content_type="application/json")
        except TimeoutError:
            error = ServerError("DEADLINE_EXCEEDED", self.limits.timeout_message())
            cancel.cancel(error)
            code = error.code
            return _error_response(error.http_status, error.message)
        except asyncio.CancelledError:  # the client went away: stop its computation too
            cancel.cancel(ServerError("CANCELLED", "the client closed the connection"))
            code = "CANCELLED"
            raise
        except web.HTTPRequestEntityTooLarge:
            code = "RESOURCE_EXHAUSTED"
            return _error_response(413, self.limits.body_too_large(request.content_length))
        except ServerError as error:
            code = error.code
            return _error_response(error.http_status, error.message)
        except Exception as error:  # noqa: BLE001 (a bug must not take the server down)
            log.exception("REST %s %s failed", request.method, path)
            code = "INTERNAL"
            return _error_response(500, f"{type(error).__name__}: {error}")
        finally:
            if seen.get("model"):
                self.metrics.record(seen["model"], seen["api"], "REST", code, time.perf_counter() - started)

    async def _body(self, request):
        """The body, refused (HTTP 413) past `--max_request_bytes` before it is read when its length is declared."""
        if request.content_length is not None and request.content_length > self.limits.max_request_bytes:
            raise web.HTTPRequestEntityTooLarge(self.limits.max_request_bytes, request.content_length)
        return await request.read()  # raises HTTPRequestEntityTooLarge past client_max_size too

    async def _dispatch(self, method, path, body, seen, cancel):
        """The answer's JSON text; fills `seen` with the model name and API as soon as they are known."""
        match = PREDICT_PATH.fullmatch(path) if method == "POST" else None
        if match:
            seen.update(model=_model_name(match[1]), api="predict")
            if match[4].lower() != "predict":
                raise ServerError("UNIMPLEMENTED", f"{match[4]} is not supported by this server: use :predict")
            return await self._predict(seen["model"], self._version(seen["model"], match), body, cancel)
        match = STATUS_PATH.fullmatch(path) if method == "GET" else None
        if match:
            name = _model_name(match[1] or "")
            seen.update(model=name, api="GetModelMetadata" if match[4] else "GetModelStatus")
            if not name:
                raise invalid_argument("Missing model name in request.")
            version = self._version(name, match)
            if match[4]:
                return _metadata_json(metadata_response(self.registry, name, version))
            response = status_response(self.registry, name, version)
            return json_format.MessageToJson(response, always_print_fields_with_no_presence=True)
        raise invalid_argument(f"Malformed request: {method} {path}")

    def _version(self, name, match):
        """The version a route asks for: `/versions/N`, `/labels/LABEL`, or None for the latest."""
        if match[3]:
            return self.registry.version_for_label(name, _model_name(match[3]))
        return _version(match[2])

    async def _predict(self, name, version, body, cancel):
        if len(body) > OFF_LOOP_BYTES:
            loop = asyncio.get_running_loop()
            servable, signature_name, inputs, row_format = await loop.run_in_executor(
                None, self._prepare, name, version, body
            )
        else:
            servable, signature_name, inputs, row_format = self._prepare(name, version, body)
        outputs = await asyncio.wrap_future(servable.submit(signature_name, inputs, cancel=cancel))
        return predictions_json(outputs, row_format)

    def _prepare(self, name, version, body):
        """`(servable, signature name, inputs, row format)` of a predict request's body."""
        document = parse_json(body, self.limits)
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
        inputs, row_format = request_inputs(document, infos, self.limits)
        return servable, signature_name, inputs, row_format


def _error_response(status, message):
    return web.Response(text=json.dumps({"error": message}), status=status, content_type="application/json")


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
