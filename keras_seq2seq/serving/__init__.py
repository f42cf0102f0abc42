"""Serving: clients for TF Serving's REST and gRPC APIs, and an embedded stand-in for `tensorflow_model_server`.

Example:
>>> from keras_seq2seq.serving import RestClient
>>> client = RestClient("http://127.0.0.1:8501", model="addition")
>>> client.predict(["16+75", "52+607"])  # doctest: +SKIP
['91', '659']

`RestClient` needs only the standard library; `GrpcClient` and `ModelServer`
import TensorFlow, so they load on first use.
"""

from keras_seq2seq.lazy_names import lazy_getattr

from keras_seq2seq.serving.errors import ServingConfigError, ServingError
from keras_seq2seq.serving.rest_client import RestClient

_LAZY = {
    "GrpcClient": "keras_seq2seq.serving.grpc_client",
    "ModelServer": "keras_seq2seq.serving.server",
    "ModelConfig": "keras_seq2seq.serving.model_registry",
    "BatchingOptions": "keras_seq2seq.serving.batching",
    "RequestLimits": "keras_seq2seq.serving.limits",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "BatchingOptions",
    "GrpcClient",
    "ModelConfig",
    "ModelServer",
    "RequestLimits",
    "RestClient",
    "ServingConfigError",
    "ServingError",
]
