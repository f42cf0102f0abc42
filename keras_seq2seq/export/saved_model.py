"""Writes `<base_path>/<version>/` as a SavedModel that the stock `tensorflow_model_server` loads.

The `serving_default` signature takes a batch of raw strings and returns the
decoded strings and their scores; tokenization, decoding (greedy, or beam search
with a length penalty) and detokenization all run inside the graph (no Python, no XLA).
An export with `num_return_sequences=N` has a second signature, `n_best`:
the same input, and the N best beams of each input, best first:
`{"output": string [batch, N], "score": float [batch, N], "ranking_score": float [batch, N]}`
(`score` the summed log-probability, `ranking_score` what the beams were ranked by).
"""

import os
import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.export.input_checks import checked_ids
from keras_seq2seq.export.op_check import check_stock_serving_ops
from keras_seq2seq.export.warmup import write_warmup_requests
from keras_seq2seq.layers.fused_lstm import fused_kernels_only
from keras_seq2seq.text.date_input import input_format
from keras_seq2seq.text.iso_dates import output_check
from keras_seq2seq.text.special_tokens import PAD_ID

INPUT_NAME = "text"


def serving_function(model, **options):
    """The exported graph: `serve(text [batch] string) -> {"output": string, "score": float}`.

    `options` are the decoding options of `model.decode_ids`; see `answer_tensors` for n-best outputs.
    """
    tokenizer, limit = model.tokenizer, model.max_source_length
    # A date model normalises its input and marks its reading, and checks its answers (as `generate`).
    reader, checker = input_format(model.input_format), output_check(model.output_check)

    def serve(text):
        original, text = text, reader.normalize_graph(text)
        # Rejected requests get TF Serving's INVALID_ARGUMENT with a sentence naming the input (input_checks.py).
        ids = checked_ids(text, tokenizer, limit - len(reader.mark))
        if reader.mark:
            with tf.control_dependencies([ids.flat_values]):  # after the checks
                ids = tokenizer.tokenize(tf.strings.join([reader.mark, text]))
        source_ids = ids.to_tensor(default_value=PAD_ID, shape=[None, limit])
        answers = answer_tensors(model.target_tokenizer, model.decode_ids(source_ids, **options))
        if len(answers["output"].shape) == 1:  # n-best answers are ranked, not checked
            answers["output"] = checker.check_graph(original, answers["output"])
        return answers

    return serve


def answer_tensors(tokenizer, outputs):
    """`decode_ids`' outputs as a signature's outputs: `{"output": string [batch], "score": float [batch]}`.

    For n-best outputs (ids `[batch, N, steps]`) every output is `[batch, N]`, and
    `"ranking_score"` is added: what the answers were ranked by.
    """
    if len(outputs) == 2:
        ids, scores = outputs
        return {"output": tokenizer.detokenize(ids), "score": scores}
    ids, scores, ranking_scores = outputs
    texts = tokenizer.detokenize(tf.reshape(ids, [-1, tf.shape(ids)[-1]]))
    return {"output": tf.reshape(texts, tf.shape(scores)), "score": scores, "ranking_score": ranking_scores}


def next_version(base_path):
    """1 + the highest integer folder name in `base_path` (1 for a new base path)."""
    base_path = Path(base_path)
    if not base_path.is_dir():
        return 1
    return max((int(p.name) for p in base_path.iterdir() if p.is_dir() and p.name.isdigit()), default=0) + 1


def export(
    model_or_preset,
    base_path,
    version=None,
    warmup_texts=None,
    beam_width=1,
    length_penalty=0.0,
    max_length=None,
    num_return_sequences=None,
):
    """Exports a model (or a preset name or folder) to `base_path/<version>/`; returns that path.

    The graph decodes greedily, or with beam search when `beam_width` > 1, ranked with
    the GNMT length penalty `length_penalty` (docs/decoding.md). `max_length` limits the
    generated tokens, the end id included (default: the model's `max_target_length + 1`). With
    `num_return_sequences=N` (at most `beam_width`) the SavedModel also has the
    `n_best` signature of the module docstring. An
    `ImageCaptioner` gets `image_signature.py`'s signature (encoded image bytes in),
    and its `warmup_texts`, if given, are encoded images (bytes).

    The version folder appears whole or not at all: the SavedModel is written to
    a hidden staging folder (TF Serving ignores names that are not integers),
    checked for ops a stock TF Serving build cannot run, and then renamed.
    An existing version is never overwritten.

    Example:
    >>> import tempfile, keras_seq2seq as ks
    >>> path = ks.export.export("addition", tempfile.mkdtemp() + "/addition")
    >>> path.name
    '1'
    """
    from keras_seq2seq.models import EncoderDecoderModel, load_preset

    model = model_or_preset if isinstance(model_or_preset, EncoderDecoderModel) else load_preset(model_or_preset)
    input_name, make_serving_function = _signature_parts(model)
    base_path = Path(base_path)
    version = next_version(base_path) if version is None else int(version)
    options = dict(beam_width=beam_width, length_penalty=length_penalty, max_length=max_length)
    model.decoding_options(num_return_sequences=num_return_sequences, **options)  # InputError for bad options
    if version < 1:
        raise InputError(f"version must be a positive integer, got {version}")
    target = base_path / str(version)
    if target.exists():
        raise InputError(f"{target} already exists: versions are never overwritten; give a new --version")
    base_path.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=base_path))
    try:
        # Keras' ExportArchive, not a bare tf.saved_model.save: it saves the variables so that
        # TF Serving's session-based loader (and saved_model_cli) can restore them.
        archive = keras.export.ExportArchive()
        archive.track(model)
        signature = [tf.TensorSpec([None], tf.string, name=input_name)]
        with fused_kernels_only():  # traced on a GPU too, the graph holds no cuDNN-only kernel
            archive.add_endpoint("serving_default", make_serving_function(model, **options), input_signature=signature)
            if num_return_sequences is not None:
                n_best = make_serving_function(model, num_return_sequences=num_return_sequences, **options)
                archive.add_endpoint("n_best", n_best, input_signature=signature)
            archive.write_out(str(staging), verbose=False)
        check_stock_serving_ops(staging)
        warmup_inputs = warmup_texts or model.preprocessor.examples()  # inputs the model takes, whatever its kind
        write_warmup_requests(staging, base_path.name, warmup_inputs, input_name)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _signature_parts(model):
    """`(input name, serving function factory)` for the model's `input_kind`."""
    from keras_seq2seq.export import image_signature  # late: it imports this module

    signatures = {
        "text": (INPUT_NAME, serving_function),
        "images": (image_signature.INPUT_NAME, image_signature.image_serving_function),
    }
    return signatures[model.input_kind]
