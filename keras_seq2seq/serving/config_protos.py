"""TF Serving's configuration files, read as the text protos that `tensorflow_model_server` reads.

`ModelServerConfig` comes from the `tensorflow-serving-api` package. That
package does not ship `MonitoringConfig` nor `BatchingParameters`, so these two
are declared here with TF Serving's message and field names (in a private
descriptor pool, so they never clash with the real ones if a later package
version brings them).
"""

import functools
import logging

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format, wrappers_pb2

from keras_seq2seq.serving.errors import ServingConfigError

log = logging.getLogger("keras_seq2seq.serving")

_WRAPPED = ".google.protobuf."
# (message, [(field, number, type or wrapper name, repeated)]) as in TF Serving's .proto files.
_STAND_INS = {
    "PrometheusConfig": [("enable", 1, "bool", False), ("path", 2, "string", False)],
    "MonitoringConfig": [("prometheus_config", 1, ".tensorflow.serving.PrometheusConfig", False)],
    "BatchingParameters": [
        ("max_batch_size", 1, "Int64Value", False),
        ("batch_timeout_micros", 2, "Int64Value", False),
        ("max_enqueued_batches", 3, "Int64Value", False),
        ("num_batch_threads", 4, "Int64Value", False),
        ("thread_pool_name", 5, "StringValue", False),
        ("allowed_batch_sizes", 6, "int64", True),
        ("pad_variable_length_inputs", 7, "bool", False),
        ("enable_large_batch_splitting", 8, "BoolValue", False),
        ("max_execution_batch_size", 9, "Int64Value", False),
    ],
}


@functools.lru_cache(maxsize=None)
def _stand_in_classes():
    field_type = descriptor_pb2.FieldDescriptorProto
    scalars = {"bool": field_type.TYPE_BOOL, "string": field_type.TYPE_STRING, "int64": field_type.TYPE_INT64}
    pool = descriptor_pool.DescriptorPool()
    wrappers = descriptor_pb2.FileDescriptorProto()
    wrappers_pb2.DESCRIPTOR.CopyToProto(wrappers)
    pool.Add(wrappers)
    file = descriptor_pb2.FileDescriptorProto(
        name="keras_seq2seq/serving/stand_in_configs.proto",
        package="tensorflow.serving",
        syntax="proto3",
        dependency=["google/protobuf/wrappers.proto"],
    )
    for message_name, fields in _STAND_INS.items():
        message = file.message_type.add(name=message_name)
        for name, number, kind, repeated in fields:
            field = message.field.add(name=name, number=number)
            field.label = field_type.LABEL_REPEATED if repeated else field_type.LABEL_OPTIONAL
            if kind in scalars:
                field.type = scalars[kind]
            else:
                field.type = field_type.TYPE_MESSAGE
                field.type_name = kind if kind.startswith(".") else _WRAPPED + kind
    pool.Add(file)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.serving.{name}"))
        for name in _STAND_INS
    }


def _monitoring_config_class():
    try:
        from tensorflow_serving.config.monitoring_config_pb2 import MonitoringConfig
    except ImportError:
        return _stand_in_classes()["MonitoringConfig"]
    return MonitoringConfig


def _batching_parameters_class():
    try:
        from tensorflow_serving.servables.tensorflow.session_bundle_config_pb2 import BatchingParameters
    except ImportError:
        return _stand_in_classes()["BatchingParameters"]
    return BatchingParameters


def parse_text_proto(path, message, flag, lenient=False):
    """Parses the text-proto file `path` into `message`; `ServingConfigError` naming `flag` if it cannot.

    With `lenient`, fields this stand-in does not know are skipped with a warning.
    """
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ServingConfigError(f"{flag}: cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        return text_format.Parse(text, message)
    except text_format.ParseError as error:
        problem = error
    if lenient and "has no field named" in str(problem):
        message.Clear()
        try:
            text_format.Parse(text, message, allow_unknown_field=True)
        except text_format.ParseError as error:
            problem = error
        else:
            log.warning("%s: %s: ignoring a field this server does not support: %s", flag, path, problem)
            return message
    raise ServingConfigError(f"{flag}: {path} is not a valid {message.DESCRIPTOR.name} text proto: {problem}")


def read_model_config(path):
    """A `ModelServerConfig` from a `--model_config_file`."""
    from tensorflow_serving.config.model_server_config_pb2 import ModelServerConfig

    config = parse_text_proto(path, ModelServerConfig(), "--model_config_file")
    if config.WhichOneof("config") != "model_config_list":
        raise ServingConfigError(f"--model_config_file: {path} has no model_config_list")
    return config


def read_monitoring_config(path):
    """A `MonitoringConfig` from a `--monitoring_config_file`."""
    return parse_text_proto(path, _monitoring_config_class()(), "--monitoring_config_file")


def batching_parameters(path=None):
    """A `BatchingParameters` from a `--batching_parameters_file`, or an empty one (all defaults)."""
    message = _batching_parameters_class()()
    return message if path is None else parse_text_proto(path, message, "--batching_parameters_file", lenient=True)
