"""A client of TF Serving's gRPC API (the real server or `keras-seq2seq serve`).

`predict` needs grpcio and protobuf only (`predict_protos.py`), so a
short-lived client such as `keras-seq2seq query --grpc` answers without
importing TensorFlow; `status` and `metadata` use `tensorflow_serving.apis`,
imported on their first call.
"""

import math

import grpc
from google.protobuf import json_format

from keras_seq2seq.serving import predict_protos
from keras_seq2seq.serving.client import Client
from keras_seq2seq.serving.errors import ServingError

OUTPUT_NAME, SCORE_NAME = "output", "score"
_JSON_OPTIONS = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)


class GrpcClient(Client):
    """Asks `model` on the server at `target` ("host:port"); every call waits at most `timeout` seconds.

    Errors are `ServingError`s with the server's message and `grpc.StatusCode`
    (UNAVAILABLE when the server cannot be reached, DEADLINE_EXCEEDED when it
    does not answer in time). Use as a context manager, or `close()` it.
    `input_name` is the signature's input: `"text"`, or `"image_bytes"` for an
    `ImageCaptioner` (then give `predict` encoded images as bytes).
    """

    def __init__(self, target="127.0.0.1:8500", model="addition", timeout=10, input_name="text"):
        self.target, self.model, self.timeout, self.input_name = target, model, timeout, input_name
        options = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
        self._channel = grpc.insecure_channel(target, options=options)
        self._request_class = predict_protos.message_class("tensorflow.serving.PredictRequest")
        response_class = predict_protos.message_class("tensorflow.serving.PredictResponse")
        self._predict = self._channel.unary_unary(
            predict_protos.PREDICT_METHOD,
            request_serializer=self._request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )

    def predict_with_scores(self, texts, version=None):
        """`[(answer, score), ...]`: each answer with its score (None if the model gives none)."""
        texts = self.as_texts(texts)
        if not texts:
            return []
        request = self._request_class()
        self._spec(request.model_spec, version)
        request.model_spec.signature_name = "serving_default"
        tensor = request.inputs[self.input_name]
        tensor.dtype = predict_protos.data_type("DT_STRING")
        tensor.tensor_shape.dim.add(size=len(texts))
        tensor.string_val.extend(text if isinstance(text, bytes) else text.encode("utf-8") for text in texts)
        response = self._call(self._predict, request)
        if OUTPUT_NAME not in response.outputs:
            outputs = sorted(response.outputs)
            raise ServingError(f"the answer has no {OUTPUT_NAME!r} output: {outputs}", server=self.target)
        answers = [value.decode("utf-8", "replace") for value in _values(response.outputs[OUTPUT_NAME])]
        if SCORE_NAME in response.outputs:
            scores = [float(score) for score in _values(response.outputs[SCORE_NAME])]
        else:
            scores = [None] * len(answers)
        return list(zip(answers, scores))

    def metadata(self, version=None):
        """The model's metadata, shaped as the REST API's: `{"model_spec": ..., "metadata": {"signature_def": ...}}`."""
        from tensorflow_serving.apis import get_model_metadata_pb2, prediction_service_pb2_grpc

        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        self._spec(request.model_spec, version)
        stub = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        response = self._call(stub.GetModelMetadata, request)
        signatures = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signatures)
        return {
            "model_spec": json_format.MessageToDict(response.model_spec, **_JSON_OPTIONS),
            "metadata": {"signature_def": json_format.MessageToDict(signatures, **_JSON_OPTIONS)},
        }

    def status(self, version=None):
        """The model's version states, shaped as the REST API's: `{"model_version_status": [...]}`."""
        from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

        request = get_model_status_pb2.GetModelStatusRequest()
        self._spec(request.model_spec, version)
        response = self._call(model_service_pb2_grpc.ModelServiceStub(self._channel).GetModelStatus, request)
        return json_format.MessageToDict(response, **_JSON_OPTIONS)

    def close(self):
        self._channel.close()

    def _spec(self, spec, version):
        spec.name = self.model
        if version is not None:
            spec.version.value = int(version)

    def _call(self, method, request):
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            code, details = error.code(), error.details() or ""
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                details = f"the model server at {self.target} did not answer within {self.timeout} s"
            elif code == grpc.StatusCode.UNAVAILABLE and ("connect" in details.lower() or "refused" in details.lower()):
                details = f"cannot reach the model server at {self.target}: {details}"
            raise ServingError(details, status=code, server=self.target) from None


def _values(tensor):
    """A TensorProto's values, flat. Strings and floats listed one by one (as TF Serving answers) are
    read off their repeated fields; anything else (packed `tensor_content`, one value standing for
    all) goes through `tf.make_ndarray`, which imports TensorFlow."""
    count = math.prod(dim.size for dim in tensor.tensor_shape.dim)
    if tensor.dtype == predict_protos.data_type("DT_STRING") and len(tensor.string_val) == count:
        return list(tensor.string_val)
    if tensor.dtype == predict_protos.data_type("DT_FLOAT") and len(tensor.float_val) == count:
        return list(tensor.float_val)
    import tensorflow as tf
    from tensorflow.core.framework import tensor_pb2

    return tf.make_ndarray(tensor_pb2.TensorProto.FromString(tensor.SerializeToString())).ravel()
