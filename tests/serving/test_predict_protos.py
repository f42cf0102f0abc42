"""The gRPC client's PredictRequest/PredictResponse without TensorFlow: the same messages as TF Serving's."""

import subprocess
import sys

from google.protobuf import text_format
from tensorflow_serving.apis import predict_pb2

from keras_seq2seq.serving import predict_protos


def test_the_kept_descriptors_are_those_of_the_installed_packages():
    kept = predict_protos.DESCRIPTORS.read_text(encoding="utf-8")
    assert text_format.MessageToString(predict_protos.installed_descriptors()) in kept


def test_messages_go_both_ways_on_the_wire():
    light = predict_protos.message_class("tensorflow.serving.PredictRequest")()
    light.model_spec.name, light.model_spec.version.value = "addition", 3
    light.inputs["text"].dtype = predict_protos.data_type("DT_STRING")
    light.inputs["text"].tensor_shape.dim.add(size=2)
    light.inputs["text"].string_val.extend([b"16+75", b"1+1"])
    real = predict_pb2.PredictRequest.FromString(light.SerializeToString())
    assert real.model_spec.version.value == 3 and list(real.inputs["text"].string_val) == [b"16+75", b"1+1"]
    response = predict_pb2.PredictResponse()
    response.outputs["score"].float_val.extend([-0.5, -1.25])
    back = predict_protos.message_class("tensorflow.serving.PredictResponse").FromString(response.SerializeToString())
    assert list(back.outputs["score"].float_val) == [-0.5, -1.25]


def test_a_grpc_predict_imports_no_tensorflow(embedded):
    script = (
        "import sys\n"
        "from keras_seq2seq.serving.grpc_client import GrpcClient\n"
        f"print(GrpcClient({embedded.grpc_target!r}, model='addition').predict(['16+75']))\n"
        "assert not any(name == 'tensorflow' or name.startswith('tensorflow.') for name in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == "['91']\n", result.stderr[-2000:]
