"""Training, test and predict steps compiled once per bucket of batch widths: XLA where it pays, never a crash.

Why not Keras' own step functions: Keras traces `train_step` with
`reduce_retracing=True`, so as soon as batches of two widths have been seen (or
a `tf.data` pipeline declares an unknown width, as `padded_batch` does), it
traces one graph for every width. In that graph `FusedLSTM` cannot unroll, and
its loop under XLA is slow for long sequences: at 200 steps a training step took
3.6x as long as the same loop without XLA (measured on this project's 2-core
machines), while at the short widths of the zoo's tasks the unrolled, XLA-fused
step is the fastest there is (`bench/training_speed.py`). So the model chooses per
batch, from the batch's own widths:

- the widths of the first training batch are kept as they are: arrays of one
  fixed width (as `data.encode_pairs` makes) train without any padding, in one
  XLA step. Rounding the textbook recipe's widths 7 and 5 up to 8 and 8 cost a
  third of its speed (docs/textbook_speed.md);
- every other batch's sequence widths are rounded up to a multiple of
  `widths.WIDTH_STEP` by padding with 0 on the right (masked everywhere: the
  loss, the metrics and the states ignore it), so that a few buckets of widths
  cover every batch;
- when every rounded width is at most `MAX_UNROLLED_STEPS`, the batch runs in an
  XLA-compiled training step traced for exactly those widths (unrolled
  recurrences), at most `MAX_XLA_STEPS` of them per model;
- otherwise (long sequences, or too many distinct buckets) it runs in one
  step without XLA, traced for any width, whose recurrences are loops.

Test and predict steps never use XLA: compiling an unrolled step costs seconds
per bucket of widths, which a few hundred training steps repay and an
evaluation pass over a validation set does not.

Keras' own functions stay in use under a `tf.distribute` strategy (where the
model turns XLA off anyway: see `EncoderDecoderModel.compile`), with
`jit_compile=False`, with `run_eagerly=True`, and on the other Keras backends.

Before a step, a model that reads its source backwards (`reverse_source`, or a
bidirectional encoder) checks that every source row is padded on the right
only: reversal by length would otherwise scramble the row's tokens.
"""

import numpy as np
import tensorflow as tf
from keras import tree

from keras_seq2seq.errors import InputError
from keras_seq2seq.layers.fused_lstm import MAX_UNROLLED_STEPS
from keras_seq2seq.widths import bucket_width

# At most this many XLA-compiled training steps per model; later widths run without XLA.
MAX_XLA_STEPS = 16


def check_right_padded(source_ids, name="source_ids"):
    """`InputError` naming the first row of `source_ids` whose padding (0) is not all on the right.

    Example:
    >>> check_right_padded(np.array([[5, 6, 0], [7, 0, 0]]))
    >>> check_right_padded(np.array([[5, 6, 0], [0, 7, 8]]))
    Traceback (most recent call last):
    ...
    keras_seq2seq.errors.InputError: source_ids row 1 is [0 7 8]: padding (0) must come after the last real token, on the right
    """
    ids = np.asarray(source_ids)
    if ids.ndim != 2:
        return
    real = ids != 0
    # A right-padded row's mask never goes from padding back to a real token.
    bad = np.flatnonzero(np.any(real[:, 1:] & ~real[:, :-1], axis=1))
    if bad.size:
        row = int(bad[0])
        shown = np.array2string(ids[row], threshold=20, max_line_width=200)
        raise InputError(f"{name} row {row} is {shown}: padding (0) must come after the last real token, on the right")


class BucketedSteps:
    """One kind of step (`model.train_step`, `test_step` or `predict_step`), XLA-compiled per bucket of widths.

    The first batch's own widths get a step of their own; every other batch is
    rounded up to its bucket (the module docstring says why).

    `sequence_inputs` names the model's input ids padded on the right (their
    axis 1 is a sequence); the targets and per-token sample weights of a
    training or test batch share the width of `decoder_ids`. With `xla=False`
    every batch runs in the step for any width.
    """

    def __init__(self, step, sequence_inputs, check_source_padding, xla):
        self.step = step
        self.sequence_inputs = tuple(sequence_inputs)
        self.check_source_padding = check_source_padding
        self.xla = xla
        self.xla_steps = {}
        self.first_widths = None  # the first batch's widths: the one set of widths that is not rounded up
        self.any_width_step = tf.function(step, reduce_retracing=True)

    def _xla_step(self):
        # A closure of its own for every width: TensorFlow warns about "excessive retracing"
        # when many tf.functions trace the same Python function, and these traces are meant.
        return tf.function(lambda data: self.step(data), jit_compile=True)

    def __call__(self, data):
        x = data[0] if isinstance(data, tuple) else data
        if isinstance(x, dict) and self.check_source_padding and "source_ids" in x:
            check_right_padded(x["source_ids"])
        if not self.xla or not isinstance(x, dict):
            return self.any_width_step(data)
        widths_by_name = {name: np.shape(x[name])[1] for name in self.sequence_inputs if name in x}
        if self.first_widths is None:
            self.first_widths = widths_by_name
        if widths_by_name != self.first_widths:
            widths_by_name = {name: bucket_width(width) for name, width in widths_by_name.items()}
            data = _pad_sequences(data, widths_by_name)
        widths = tuple(widths_by_name.values())
        if max(widths, default=0) > MAX_UNROLLED_STEPS:
            return self.any_width_step(data)
        if widths not in self.xla_steps:
            if len(self.xla_steps) >= MAX_XLA_STEPS:
                return self.any_width_step(data)
            self.xla_steps[widths] = self._xla_step()
        return self.xla_steps[widths](data)


def _pad_sequences(data, widths):
    """`data` with its sequence inputs (and targets, weights) padded with 0 on the right to `widths`."""

    def pad(tensor, width):
        tensor = tf.convert_to_tensor(tensor)
        extra = width - tensor.shape[1]
        if extra == 0:
            return tensor
        return tf.pad(tensor, [[0, 0], [0, extra]] + [[0, 0]] * (len(tensor.shape) - 2))

    if not isinstance(data, tuple):
        return {name: pad(value, widths[name]) if name in widths else value for name, value in data.items()}
    x, *rest = data
    x = _pad_sequences(x, widths)
    target_width = widths.get("decoder_ids")
    rest = [
        pad(value, target_width) if target_width and value is not None and len(np.shape(value)) >= 2 else value
        for value in rest
    ]
    return (x, *rest)


def train_or_test_function(model, step, xla):
    """Keras' `train_function`/`test_function` contract: `function(iterator) -> logs` of the last step."""
    steps = BucketedSteps(step, model.sequence_inputs, model.reads_source_backwards, xla)

    def function(iterator):
        logs = None
        for _ in range(model.steps_per_execution):
            try:
                data = next(iterator)
            except (StopIteration, tf.errors.OutOfRangeError):
                if logs is None:
                    raise StopIteration from None
                break
            logs = steps(tuple(data) if isinstance(data, (tuple, list)) else data)
        return logs

    return function


def predict_function(model):
    """Keras' `predict_function` contract: a list of batches -> their outputs, concatenated."""
    steps = BucketedSteps(model.predict_step, model.sequence_inputs, model.reads_source_backwards, xla=False)

    def function(batches):
        outputs = [steps(tuple(data) if isinstance(data, (tuple, list)) else data) for data in batches]
        return tree.map_structure(lambda *parts: tf.concat(parts, axis=0), *outputs)

    return function
