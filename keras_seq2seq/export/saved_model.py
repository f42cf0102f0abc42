"""Writes `<base_path>/<version>/` as a SavedModel that the stock `tensorflow_model_server` loads.

The `serving_default` signature takes a batch of raw strings and returns the
decoded strings and their scores; tokenization, greedy decoding and
detokenization all run inside the graph (no Python, no XLA).
"""

import os
import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.export.op_check import check_stock_serving_ops
from keras_seq2seq.export.warmup import write_warmup_requests
from keras_seq2seq.text.date_input import input_format
from keras_seq2seq.text.iso_dates import output_check
from keras_seq2seq.text.special_tokens import PAD_ID, UNKNOWN_ID

INPUT_NAME = "text"


def serving_function(model, beam_width=1):
    """The exported graph: `serve(text [batch] string) -> {"output": string, "score": float}`."""
    tokenizer, limit = model.tokenizer, model.max_source_length
    unit = tokenizer.unit  # "character" or "token": what the length limit counts
    # A date model normalises its input and marks its reading, and checks its answers (as `generate`).
    reader, checker = input_format(model.input_format), output_check(model.output_check)
    limit -= len(reader.mark)

    def serve(text):
        original, text = text, reader.normalize_graph(text)
        ids = tokenizer.tokenize(text)
        lengths = ids.row_lengths()
        # Rejected requests get TF Serving's INVALID_ARGUMENT with these messages.
        checks = [
            tf.debugging.assert_positive(lengths, message=f"empty input: give at least one {unit}"),
            tf.debugging.assert_less_equal(
                lengths, tf.cast(limit, lengths.dtype), message=f"input longer than {limit} {unit}s"
            ),
        ]
        if tokenizer.unknown_is_error:
            checks.append(
                tf.debugging.assert_equal(
                    tf.reduce_any(ids.flat_values == UNKNOWN_ID),
                    False,
                    message=f"input has {unit}s outside the vocabulary (or is not valid UTF-8)",
                )
            )
        else:  # unknown words are answered, but bytes that are not text are not
            checks.append(
                tf.debugging.assert_equal(
                    tf.strings.unicode_decode(text, "UTF-8", errors="ignore").row_lengths(),
                    tf.strings.unicode_decode(text, "UTF-8", errors="replace").row_lengths(),
                    message="input is not valid UTF-8",
                )
            )
        with tf.control_dependencies(checks):
            ids = tokenizer.tokenize(tf.strings.join([reader.mark, text])) if reader.mark else ids
            source_ids = ids.to_tensor(default_value=PAD_ID, shape=[None, model.max_source_length])
        output_ids, scores = model.decode_ids(source_ids, beam_width=beam_width)
        return {"output": checker.check_graph(original, tokenizer.detokenize(output_ids)), "score": scores}

    return serve


def next_version(base_path):
    """1 + the highest integer folder name in `base_path` (1 for a new base path)."""
    base_path = Path(base_path)
    if not base_path.is_dir():
        return 1
    return max((int(p.name) for p in base_path.iterdir() if p.is_dir() and p.name.isdigit()), default=0) + 1


def export(model_or_preset, base_path, version=None, warmup_texts=None, beam_width=1):
    """Exports a model (or a preset name or folder) to `base_path/<version>/`; returns that path.

    The graph decodes greedily, or with beam search when `beam_width` > 1. An
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
    input_name, make_serving_function, default_warmup_inputs = _signature_parts(model)
    base_path = Path(base_path)
    version = next_version(base_path) if version is None else int(version)
    if beam_width < 1:
        raise InputError(f"beam width must be at least 1, got {beam_width}")
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
        archive.add_endpoint("serving_default", make_serving_function(model, beam_width), input_signature=signature)
        archive.write_out(str(staging), verbose=False)
        check_stock_serving_ops(staging)
        write_warmup_requests(staging, base_path.name, warmup_texts or default_warmup_inputs(model), input_name)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _signature_parts(model):
    """`(input name, serving function factory, default warm-up inputs)` for the model's kind of input."""
    from keras_seq2seq.models import ImageCaptioner

    if isinstance(model, ImageCaptioner):
        from keras_seq2seq.export import image_signature

        return image_signature.INPUT_NAME, image_signature.image_serving_function, image_signature.default_warmup_images
    return INPUT_NAME, serving_function, default_warmup_texts


def default_warmup_texts(model):
    """A few valid inputs for the warm-up records: dates for a date model, else made of the vocabulary.

    A date model's output check fails a request that is not a date, and a
    warm-up record that fails makes TF Serving fail to load the model.
    """
    if input_format(model.input_format).examples:
        return list(input_format(model.input_format).examples)
    vocabulary = "".join(model.tokenizer.vocabulary)
    return [vocabulary[: model.max_source_length], vocabulary[-1] * min(3, model.max_source_length)]
