"""One loaded model version: its SignatureDefs, request checks as TF Serving makes them, and signature calls."""

import concurrent.futures
import itertools
import logging
import re
import threading
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.python.saved_model import loader_impl
from tensorflow_serving.apis import prediction_log_pb2

from keras_seq2seq.serving.batching import Batcher
from keras_seq2seq.serving.errors import CODE_NAMES, ServerError, invalid_argument
from keras_seq2seq.serving.signature_call import Cancellation, SignatureCall

log = logging.getLogger("keras_seq2seq.serving")

DEFAULT_SIGNATURE = "serving_default"
SERVE_TAG = "serve"
WARMUP_FILE = Path("assets.extra") / "tf_serving_warmup_requests"
MAX_WARMUP_RECORDS = 1000


class Servable:
    """A SavedModel version loaded with `tf.saved_model.load`, warmed up with its warm-up records (unless `warmup`
    is False).

    `submit(signature_name, inputs)` checks a request (raising `ServerError`)
    and returns a `concurrent.futures.Future` of its outputs, computed on
    `executor` or, with batching, merged with concurrent requests.
    `calls` counts the calls of signatures (warm-up included).
    """

    def __init__(self, name, version, path, executor, batching=None, on_batch=None, warmup=True):
        self.name, self.version, self.path = name, version, Path(path)
        self.calls = 0
        self._executor = executor
        self._batching, self._on_batch = batching, on_batch
        self._batchers = {}
        self._lock = threading.Lock()
        saved_model = loader_impl.parse_saved_model(str(self.path))
        meta_graphs = [graph for graph in saved_model.meta_graphs if SERVE_TAG in graph.meta_info_def.tags]
        if not meta_graphs:
            raise ValueError(f"{self.path} has no MetaGraph tagged {SERVE_TAG!r}")
        self.signature_defs = meta_graphs[0].signature_def
        register_ops(meta_graphs[0])
        self._module = tf.saved_model.load(str(self.path), tags=[SERVE_TAG])
        self._functions = {name: SignatureCall(function) for name, function in self._module.signatures.items()}
        if warmup:
            self._warm_up()

    def signature(self, signature_name):
        """`(name, SignatureDef)`; FAILED_PRECONDITION as in TF Serving's Predict when it does not exist."""
        name = signature_name or DEFAULT_SIGNATURE
        if name not in self.signature_defs or name not in self._functions:
            raise ServerError("FAILED_PRECONDITION", f'Serving signature key "{name}" not found.')
        return name, self.signature_defs[name]

    def submit(self, signature_name, inputs, output_filter=(), inline=False, cancel=None):
        """Checks `inputs` ({alias: numpy array}) against the signature; a Future of {alias: numpy array}.

        `inline=True` runs an unbatched request in the calling thread (a gRPC
        worker has nothing else to do meanwhile; handing the call to another
        thread and back cost about 0.3 ms per request in `bench/serving_speed.py`).
        `cancel` (a `Cancellation`) stops an unbatched request's call when the
        client gives up; a batched request that has not started is left out
        when its Future is cancelled.
        """
        name, signature = self.signature(signature_name)
        inputs = check_inputs(signature, inputs)
        aliases = check_output_filter(signature, output_filter)
        cancel = cancel or Cancellation()
        if self._batching is None and inline:
            future = concurrent.futures.Future()
            try:
                future.set_result(self.call(name, inputs, cancel))
            except ServerError as error:
                future.set_exception(error)
        elif self._batching is None:
            future = self._executor.submit(self.call, name, inputs, cancel)
        else:
            future = self._batcher(name).submit(inputs)
        if not aliases:
            return future
        return _then(future, lambda outputs: {alias: outputs[alias] for alias in aliases})

    def call(self, signature_name, inputs, cancel=None):
        """Runs the signature on checked inputs now; `ServerError` with TensorFlow's status and message.

        Once `cancel` is cancelled, the call stops and raises `cancel.reason`.
        """
        signature = self.signature_defs[signature_name]
        cancel = cancel or Cancellation()
        if cancel.cancelled:
            raise cancel.reason
        tensors = {
            alias: tf.constant(value, dtype=tf.dtypes.as_dtype(signature.inputs[alias].dtype))
            for alias, value in inputs.items()
        }
        with self._lock:
            self.calls += 1
        try:
            outputs = self._functions[signature_name](tensors, cancel)
        except tf.errors.CancelledError as error:
            raise cancel.reason or ServerError("CANCELLED", clean_tf_message(error.message)) from None
        except tf.errors.OpError as error:
            raise ServerError(CODE_NAMES[error.error_code], clean_tf_message(error.message)) from None
        except (TypeError, ValueError) as error:
            raise invalid_argument(str(error)) from None
        return {alias: value.numpy() for alias, value in outputs.items()}

    def close(self):
        """Stops the batch threads once what they hold has run."""
        for batcher in list(self._batchers.values()):
            batcher.close()

    def _batcher(self, signature_name):
        with self._lock:
            if signature_name not in self._batchers:
                self._batchers[signature_name] = Batcher(
                    lambda inputs: self.call(signature_name, inputs),
                    self._batching,
                    name=f"batch-{self.name}-{self.version}",
                    on_batch=None if self._on_batch is None else lambda rows: self._on_batch(self.name, rows),
                )
            return self._batchers[signature_name]

    def _warm_up(self):
        """Replays `assets.extra/tf_serving_warmup_requests`; a record that fails fails the load, as in TF Serving."""
        path = self.path / WARMUP_FILE
        if not path.is_file():
            return
        records = tf.data.TFRecordDataset(str(path)).as_numpy_iterator()
        for record in itertools.islice(records, MAX_WARMUP_RECORDS):
            entry = prediction_log_pb2.PredictionLog.FromString(record)
            if entry.WhichOneof("log_type") != "predict_log":
                continue
            request = entry.predict_log.request
            name, signature = self.signature(request.model_spec.signature_name)
            inputs = {alias: tf.make_ndarray(proto) for alias, proto in request.inputs.items()}
            self.call(name, check_inputs(signature, inputs))


def register_ops(meta_graph):
    """Registers TensorFlow Text's ops when the graph uses ops TensorFlow alone lacks (the chatbot's word pieces).

    `ValueError` naming the ops that neither registers, so that the version fails to load with that reason.
    """
    from tensorflow.python.framework import op_def_registry

    library = {function.signature.name for function in meta_graph.graph_def.library.function}
    used = {node.op for node in meta_graph.graph_def.node}
    used.update(node.op for function in meta_graph.graph_def.library.function for node in function.node_def)
    missing = sorted(op for op in used - library if op_def_registry.get(op) is None)
    if missing:
        import tensorflow_text  # noqa: F401 (registers TF Text's ops, which a stock TF Serving links too)

        missing = [op for op in missing if op_def_registry.get(op) is None]
    if missing:
        raise ValueError(f"the graph uses ops that neither TensorFlow nor TensorFlow Text has: {', '.join(missing)}")


def check_inputs(signature, inputs):
    """The inputs as arrays of the signature's dtypes; INVALID_ARGUMENT naming what does not fit."""
    expected, given = set(signature.inputs), set(inputs)
    if given != expected:
        raise invalid_argument(
            f"input size does not match signature: {len(given)}!={len(expected)} "
            f"len({{{','.join(sorted(given))}}}) != len({{{','.join(sorted(expected))}}}). "
            f"Sent extra: {{{','.join(sorted(given - expected))}}}. "
            f"Missing but required: {{{','.join(sorted(expected - given))}}}."
        )
    checked = {}
    for index, alias in enumerate(sorted(expected)):
        info, value = signature.inputs[alias], np.asarray(inputs[alias])
        want = tf.dtypes.as_dtype(info.dtype)
        got = tf.string if value.dtype.kind in "OSU" else _as_dtype(value.dtype)
        if got != want:
            raise dtype_error(index, alias, want, got)
        shape = tf.TensorShape(info.tensor_shape)
        if not shape.is_compatible_with(value.shape):
            raise invalid_argument(
                f"input '{alias}' has shape {_shape_string(value.shape)}, which does not fit "
                f"the signature's shape {_shape_string(shape.as_list() if shape.rank is not None else None)}"
            )
        if value.dtype.kind == "U":
            value = np.vectorize(lambda text: text.encode("utf-8"), otypes=[object])(value)
        checked[alias] = value
    return checked


def dtype_error(index, alias, want, got):
    """TF Serving's INVALID_ARGUMENT for an input of the wrong dtype (`tf.DType`s or DataType enum values)."""
    want, got = tf.dtypes.as_dtype(want), tf.dtypes.as_dtype(got)
    return invalid_argument(
        f"Expects arg[{index}] to be {_dtype_name(want)} but {_dtype_name(got)} is provided (input '{alias}')"
    )


def check_output_filter(signature, output_filter):
    """The requested output aliases (empty for all), checked as TF Serving checks them."""
    seen = []
    for alias in output_filter:
        if alias not in signature.outputs:
            raise invalid_argument(
                f"output tensor alias not found in signature: {alias} Outputs expected to be in the set "
                f"{{{','.join(sorted(signature.outputs))}}}."
            )
        if alias in seen:
            raise invalid_argument(f"duplicate output tensor alias: {alias}")
        seen.append(alias)
    return seen


def clean_tf_message(message):
    """TensorFlow's message as its first line reads in TF Serving: without eager execution's header, the
    `{{function_node ...}}` prefix, and the trailing node names (`[[{{node ...}}]]`, `[Op:...]`).

    >>> clean_tf_message("{{function_node __inference_f_5}} assertion failed: [input 0 is empty]\\n\\t "
    ...                  "[[{{node cond/Assert/Assert}}]] [Op:__inference_f_5]")
    'assertion failed: [input 0 is empty]'
    """
    header = r"^Graph execution error:\s*Detected at node .*?<stack traces unavailable>\s*"
    message = re.sub(header, "", message, flags=re.S)
    message = re.sub(r"^(\{\{function_node [^}]*\}\}\s*)+", "", message)
    message = re.sub(r"\s*\[Op:[^\]]*\]\s*$", "", message)
    return re.sub(r"\s*\[\[\{\{(function_)?node .*$", "", message, flags=re.S)


def _as_dtype(numpy_dtype):
    try:
        return tf.dtypes.as_dtype(numpy_dtype)
    except TypeError:
        raise invalid_argument(f"inputs of type {numpy_dtype} are not supported") from None


def _dtype_name(dtype):
    """TensorFlow's DataTypeString: "string", "float", "int32", ..."""
    return _DATA_TYPE_NAMES.get(dtype, dtype.name)


_DATA_TYPE_NAMES = {tf.float32: "float", tf.float64: "double", tf.string: "string"}


def _shape_string(shape):
    if shape is None:
        return "[?]"
    return "[" + ",".join("-1" if size is None else str(size) for size in shape) + "]"


def _then(future, function):
    """A Future of `function(future.result())`."""
    result = concurrent.futures.Future()

    def done(source):
        if source.cancelled():
            result.cancel()
        elif source.exception() is not None:
            result.set_exception(source.exception())
        else:
            try:
                result.set_result(function(source.result()))
            except Exception as error:  # noqa: BLE001 (handed to the waiting request)
                result.set_exception(error)

    future.add_done_callback(done)
    return result
