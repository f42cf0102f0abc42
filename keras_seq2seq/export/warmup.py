"""`assets.extra/tf_serving_warmup_requests`: real `PredictionLog` records, so that the first request is not slow."""

from pathlib import Path

import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

# TF Serving reads at most this many warm-up records.
MAX_RECORDS = 1000


def warmup_records(model_name, texts, input_name="text", batch_sizes=(1, 8)):
    """One `PredictionLog` per batch size, each a `serving_default` request of `texts` (repeated to fill it).

    `texts` are strings, or bytes sent as they are (e.g. encoded images).
    """
    records = []
    for batch_size in batch_sizes:
        batch = [_as_bytes(texts[i % len(texts)]) for i in range(batch_size)]
        request = predict_pb2.PredictRequest(
            model_spec=model_pb2.ModelSpec(name=model_name, signature_name="serving_default")
        )
        request.inputs[input_name].CopyFrom(tf.make_tensor_proto(batch, dtype=tf.string, shape=[batch_size]))
        records.append(prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request)))
    return records[:MAX_RECORDS]


def _as_bytes(text):
    return text if isinstance(text, bytes) else text.encode("utf-8")


def write_warmup_requests(saved_model_dir, model_name, texts, input_name="text"):
    """Writes the warm-up TFRecord file into `saved_model_dir/assets.extra/`; returns its path."""
    folder = Path(saved_model_dir) / "assets.extra"
    folder.mkdir(exist_ok=True)
    path = folder / "tf_serving_warmup_requests"
    with tf.io.TFRecordWriter(str(path)) as writer:
        for record in warmup_records(model_name, texts, input_name):
            writer.write(record.SerializeToString())
    return path
