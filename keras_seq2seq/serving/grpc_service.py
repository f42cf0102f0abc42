"""TF Serving's gRPC API: PredictionService.Predict and GetModelMetadata, ModelService.GetModelStatus.

Errors carry TF Serving's status codes and messages; the methods this server
does not implement (Classify, Regress, MultiInference, HandleReloadConfigRequest)
answer UNIMPLEMENTED. A Predict's tensors are checked against the `RequestLimits`
and the signature's dtypes before they are built, and its computation stops when
the RPC ends first (the client's deadline, a cancel, a client gone).
"""

import concurrent.futures
import logging
import math
import time

import grpc
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
from tensorflow_serving.apis import model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc

from keras_seq2seq.serving.errors import ServerError, invalid_argument
from keras_seq2seq.serving.model_registry import metadata_response, status_response
from keras_seq2seq.serving.servable import DEFAULT_SIGNATURE, dtype_error
from keras_seq2seq.serving.signature_call import Cancellation

log = logging.getLogger("keras_seq2seq.serving")

# (DataType, TensorProto field) for the dtypes written field by field, as TF Serving's AsProtoField does.
_FIELDS = {
    np.dtype(np.float32): (types_pb2.DT_FLOAT, "float_val"),
    np.dtype(np.float64): (types_pb2.DT_DOUBLE, "double_val"),
    np.dtype(np.int32): (types_pb2.DT_INT32, "int_val"),
    np.dtype(np.int64): (types_pb2.DT_INT64, "int64_val"),
    np.dtype(np.bool_): (types_pb2.DT_BOOL, "bool_val"),
}


class _Service:
    def __init__(self, registry, metrics, limits):
        self.registry, self.metrics, self.limits = registry, metrics, limits

    def _answer(self, context, model, api, work):
        """`work()`, with a `ServerError` turned into the RPC's status, and the request counted."""
        started, code = time.perf_counter(), "OK"
        try:
            return work()
        except ServerError as error:
            code = error.code
            context.abort(error.grpc_code, error.message)
        except Exception as error:  # noqa: BLE001 (a bug must not take the server down)
            log.exception("%s failed", api)
            code = "INTERNAL"
            context.abort(grpc.StatusCode.INTERNAL, f"{type(error).__name__}: {error}")
        finally:
            if model:
                self.metrics.record(model, api, "GRPC", code, time.perf_counter() - started)


class PredictionService(_Service, prediction_service_pb2_grpc.PredictionServiceServicer):
    def Predict(self, request, context):  # noqa: N802 (gRPC's method name)
        return self._answer(context, request.model_spec.name, "predict", lambda: self._predict(request, context))

    def GetModelMetadata(self, request, context):  # noqa: N802
        def work():
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            spec = request.model_spec
            version = model_version(self.registry, spec)
            return metadata_response(self.registry, spec.name, version, list(request.metadata_field))

        return self._answer(context, request.model_spec.name, "GetModelMetadata", work)

    def _predict(self, request, context):
        spec = request.model_spec
        if not spec.name:
            raise invalid_argument("ModelSpec has no name specified")
        servable = self.registry.servable(spec.name, model_version(self.registry, spec))
        _, signature = servable.signature(spec.signature_name)
        inputs = self._arrays(request.inputs, signature)
        cancel = Cancellation()
        # Runs when the RPC ends: at its deadline, when the client cancels or goes away, or (harmlessly) once answered.
        context.add_callback(lambda: cancel.cancel(_ended(context)))
        if context.time_remaining() is not None and context.time_remaining() <= 0:
            raise _ended(context)
        future = servable.submit(spec.signature_name, inputs, list(request.output_filter), inline=True, cancel=cancel)
        try:
            outputs = future.result(timeout=context.time_remaining())
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise _ended(context) from None
        response = predict_pb2.PredictResponse()
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = spec.signature_name or DEFAULT_SIGNATURE
        for alias, value in outputs.items():
            response.outputs[alias].CopyFrom(tensor_proto(value))
        return response

    def _arrays(self, protos, signature):
        """The request's tensors as arrays, each checked against the limits and the signature's dtype first.

        A TensorProto declares its shape and may hold fewer values (the last one
        stands for the rest), so its size is checked before `tf.make_ndarray` pads it.
        """
        arrays = {}
        for alias, proto in sorted(protos.items()):
            if any(dim.size < 0 for dim in proto.tensor_shape.dim) or proto.dtype not in types_pb2.DataType.values():
                raise invalid_argument(f"tensor parsing error: {alias}")
            self.limits.check_elements(alias, math.prod(dim.size for dim in proto.tensor_shape.dim))
            if alias in signature.inputs and proto.dtype != signature.inputs[alias].dtype:
                index = sorted(signature.inputs).index(alias)
                raise dtype_error(index, alias, signature.inputs[alias].dtype, proto.dtype)
            if proto.string_val:
                self.limits.check_string(alias, max(map(len, proto.string_val)))
            try:
                arrays[alias] = tf.make_ndarray(proto)
            except Exception:  # noqa: BLE001 (any malformed TensorProto)
                raise invalid_argument(f"tensor parsing error: {alias}") from None
        return arrays


def _ended(context):
    """The error of a request whose RPC ended before its answer: past its deadline, or cancelled by the client."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        return ServerError("DEADLINE_EXCEEDED", "Deadline Exceeded")
    return ServerError("CANCELLED", "the client cancelled the request")


class ModelService(_Service, model_service_pb2_grpc.ModelServiceServicer):
    def GetModelStatus(self, request, context):  # noqa: N802
        def work():
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            spec = request.model_spec
            return status_response(self.registry, spec.name, model_version(self.registry, spec))

        return self._answer(context, request.model_spec.name, "GetModelStatus", work)


def add_services(server, registry, metrics, limits):
    services = PredictionService(registry, metrics, limits), ModelService(registry, metrics, limits)
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(services[0], server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(services[1], server)


def model_version(registry, spec):
    """The version a ModelSpec asks for (a number, or a label the config file assigns); None for the latest."""
    if spec.WhichOneof("version_choice") == "version_label":
        return registry.version_for_label(spec.name, spec.version_label)
    return spec.version.value if spec.HasField("version") else None


def tensor_proto(value):
    """A TensorProto with values in the typed fields (string_val, float_val, ...) as TF Serving answers."""
    value = np.asarray(value)
    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=n) for n in value.shape])
    if value.dtype.kind in "OS":
        return tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=shape, string_val=list(value.ravel()))
    if value.dtype in _FIELDS:
        dtype, field = _FIELDS[value.dtype]
        proto = tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape)
        getattr(proto, field).extend(value.ravel().tolist())
        return proto
    return tf.make_tensor_proto(value)
