"""TF Serving's gRPC API: PredictionService.Predict and GetModelMetadata, ModelService.GetModelStatus.

Errors carry TF Serving's status codes and messages; the methods this server
does not implement (Classify, Regress, MultiInference, HandleReloadConfigRequest)
answer UNIMPLEMENTED.
"""

import concurrent.futures
import logging
import time

import grpc
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
from tensorflow_serving.apis import model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc

from keras_seq2seq.serving.errors import ServerError, invalid_argument
from keras_seq2seq.serving.model_registry import metadata_response, status_response
from keras_seq2seq.serving.servable import DEFAULT_SIGNATURE

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
    def __init__(self, registry, metrics):
        self.registry, self.metrics = registry, metrics

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
            return metadata_response(self.registry, spec.name, model_version(spec), list(request.metadata_field))

        return self._answer(context, request.model_spec.name, "GetModelMetadata", work)

    def _predict(self, request, context):
        spec = request.model_spec
        servable = self.registry.servable(spec.name, model_version(spec))
        inputs = {}
        for alias, proto in request.inputs.items():
            try:
                if any(dim.size < 0 for dim in proto.tensor_shape.dim):
                    raise ValueError("negative dimension")
                inputs[alias] = tf.make_ndarray(proto)
            except Exception:  # noqa: BLE001 (any malformed TensorProto)
                raise invalid_argument(f"tensor parsing error: {alias}") from None
        future = servable.submit(spec.signature_name, inputs, list(request.output_filter), inline=True)
        try:
            outputs = future.result(timeout=context.time_remaining())
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ServerError("DEADLINE_EXCEEDED", "Deadline Exceeded") from None
        response = predict_pb2.PredictResponse()
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = spec.signature_name or DEFAULT_SIGNATURE
        for alias, value in outputs.items():
            response.outputs[alias].CopyFrom(tensor_proto(value))
        return response


class ModelService(_Service, model_service_pb2_grpc.ModelServiceServicer):
    def GetModelStatus(self, request, context):  # noqa: N802
        def work():
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            return status_response(self.registry, request.model_spec.name, model_version(request.model_spec))

        return self._answer(context, request.model_spec.name, "GetModelStatus", work)


def add_services(server, registry, metrics):
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(PredictionService(registry, metrics), server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(registry, metrics), server)


def model_version(spec):
    """The version a ModelSpec asks for, None for the latest; labels are not supported here."""
    if spec.WhichOneof("version_choice") == "version_label":
        raise ServerError("UNIMPLEMENTED", f"version labels are not supported by this server: {spec.version_label}")
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
