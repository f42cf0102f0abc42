"""Fails on anything in a SavedModel that a stock `tensorflow_model_server` cannot run.

The stock server runs TensorFlow's own ops and TensorFlow Text's, no Python, and
no XLA on the CPU unless a flag asks for it. So a graph passes when none of its
nodes, in the main graph or in any function of its library, is a Python op, an
XLA-compiled function or call, a cuDNN-only RNN kernel, or an op registered by
neither TensorFlow nor TensorFlow Text.
"""

from pathlib import Path

import tensorflow  # noqa: F401  (registers TensorFlow's ops)
import tensorflow_text  # noqa: F401  (registers TF Text's ops, which the stock server links)
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.framework import op_def_registry

from keras_seq2seq.errors import Seq2SeqError

PYTHON_OPS = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}
XLA_OPS = {"XlaLaunch", "_XlaCompile", "_XlaRun", "XlaLaunchV2"}


class StockServingError(Seq2SeqError):
    """The exported graph holds something a stock TF Serving build cannot run."""


def forbidden_ops(saved_model_dir):
    """`[(function name or "main graph", op or attribute, reason), ...]`, empty when the graph is fine."""
    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((Path(saved_model_dir) / "saved_model.pb").read_bytes())
    problems = []
    for meta_graph in saved_model.meta_graphs:
        library = meta_graph.graph_def.library
        function_names = {function.signature.name for function in library.function}
        places = [("main graph", meta_graph.graph_def.node, {})]
        places += [(f.signature.name, f.node_def, f.attr) for f in library.function]
        for place, nodes, function_attrs in places:
            if _must_compile(function_attrs):
                problems.append((place, "_XlaMustCompile", "an XLA-compiled function (jit_compile=True)"))
            for node in nodes:
                reason = _why_forbidden(node, function_names)
                if reason:
                    problems.append((place, node.op, reason))
    return problems


def check_stock_serving_ops(saved_model_dir):
    """Raises `StockServingError` listing every forbidden op; returns None when the graph is fine.

    Example:
    >>> import tempfile, keras_seq2seq as ks
    >>> check_stock_serving_ops(ks.export.export("addition", tempfile.mkdtemp() + "/m"))
    """
    problems = forbidden_ops(saved_model_dir)
    if problems:
        listed = "; ".join(f"{op} in {place}: {reason}" for place, op, reason in sorted(set(problems))[:10])
        raise StockServingError(f"{saved_model_dir} cannot run in a stock TF Serving build: {listed}")


def _why_forbidden(node, function_names):
    if node.op in PYTHON_OPS:
        return "a Python op (tf.py_function / tf.numpy_function)"
    if node.op in XLA_OPS or node.op.startswith("Xla"):
        return "an XLA op"
    if node.op.startswith("CudnnRNN"):
        return "a cuDNN-only RNN kernel"
    if _must_compile(node.attr):
        return "a call of an XLA-compiled function"
    if node.op not in function_names and op_def_registry.get(node.op) is None:
        return "a custom op from outside TensorFlow and TensorFlow Text"
    return None


def _must_compile(attrs):
    return "_XlaMustCompile" in attrs and attrs["_XlaMustCompile"].b

