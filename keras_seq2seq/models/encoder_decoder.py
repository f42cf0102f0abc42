"""`EncoderDecoderModel`: what every model of the zoo shares, whatever its encoder reads.

A subclass builds a functional model from an encoder block that returns
`(sequence_output, [h, c])` and a decoder block of `keras_seq2seq.layers`, and
keeps them as `self.encoder`, `self.decoder`, with `self.tokenizer` and
`self.max_target_length`. This base gives it the training defaults, in-graph
decoding from an encoder state, and preset loading and saving.
"""

import keras
import tensorflow as tf

from keras_seq2seq.decoding import beam_search, greedy_search
from keras_seq2seq.errors import InputError
from keras_seq2seq.metrics import ExactMatch, MaskedAccuracy, masked_loss
from keras_seq2seq.models import shape_buckets
from keras_seq2seq.text.special_tokens import END_ID, START_ID


class EncoderDecoderModel(keras.Model):
    """Base of `Seq2Seq` and `ImageCaptioner`: compile defaults, decoding, presets.

    Example:
    >>> import keras_seq2seq as ks
    >>> isinstance(ks.from_preset("addition"), EncoderDecoderModel)
    True
    """

    # The inputs whose axis 1 is a sequence of ids padded on the right with 0 (see `shape_buckets`).
    sequence_inputs = ("decoder_ids",)
    # Whether the encoder reads the source backwards, so that a row padded elsewhere than on the right is an error.
    reads_source_backwards = False

    def compile(self, optimizer="adam", loss=None, metrics=None, jit_compile=True, **kwargs):
        """Defaults: masked loss, masked token accuracy and exact match, and XLA where it pays.

        With `jit_compile=True` (the default) `fit`, `evaluate`, `predict` and
        `train_on_batch` take batches of any width, NumPy or `tf.data`
        (`padded_batch` included): each training batch's widths are rounded up to
        a bucket, batches of short buckets train in a step that XLA compiled for
        that bucket, and longer ones in one step without XLA; evaluation and
        prediction run without XLA (`shape_buckets.py` says why).
        Exported SavedModels never use XLA. Under a `tf.distribute` strategy XLA is
        off: Keras 3.15 cannot XLA-compile a step whose variables are mirrored on
        several devices ("Trying to access resource ... located in device CPU:1").
        """
        if tf.distribute.has_strategy() or getattr(self, "_distribute_strategy", None) is not None:
            jit_compile = False
        super().compile(
            optimizer=optimizer,
            loss=loss or masked_loss(),
            metrics=metrics or [MaskedAccuracy(), ExactMatch()],
            jit_compile=jit_compile,
            **kwargs,
        )

    def make_train_function(self, force=False):
        if not self._uses_bucketed_steps():
            return super().make_train_function(force)
        if self.train_function is None or force:
            self.train_function = shape_buckets.train_or_test_function(self, self.train_step, xla=True)
        return self.train_function

    def make_test_function(self, force=False):
        if not self._uses_bucketed_steps():
            return super().make_test_function(force)
        if self.test_function is None or force:
            self.test_function = shape_buckets.train_or_test_function(self, self.test_step, xla=False)
        return self.test_function

    def make_predict_function(self, force=False):
        if not self._uses_bucketed_steps():
            return super().make_predict_function(force)
        if self.predict_function is None or force:
            self.predict_function = shape_buckets.predict_function(self)
        return self.predict_function

    def _uses_bucketed_steps(self):
        """Bucketed XLA steps replace Keras' own when XLA is asked for, on TensorFlow, without a strategy."""
        return (
            keras.backend.backend() == "tensorflow"
            and self.jit_compile
            and not self.run_eagerly
            and not tf.distribute.has_strategy()
            and getattr(self, "_distribute_strategy", None) is None
        )

    def compile_from_config(self, config):
        """Restores the compile settings of a saved `.keras` file through our `compile()`."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def search(self, state, encoder_outputs, batch_size, beam_width=1, length_penalty=0.0):
        """Decodes from the encoder state `[h, c]` (and `encoder_outputs`, the decoder's keyword arguments).

        Greedy when `beam_width` is 1, else beam search with a GNMT length penalty.
        Returns `(ids [batch, max_target_length + 1], scores [batch])`.
        """
        search = dict(
            step=self.decoder.step,
            state=self.decoder.start(state, **encoder_outputs),
            batch_size=batch_size,
            start_id=START_ID,
            end_id=END_ID,
            max_length=self.max_target_length + 1,
        )
        if beam_width == 1:
            return greedy_search(**search)
        return beam_search(**search, beam_width=beam_width, length_penalty=length_penalty)

    def decode_function(self, input_spec, beam_width=1, length_penalty=0.0):
        """`decode_ids` traced once per search (one input shape: padded inputs never retrace)."""
        if beam_width < 1:
            raise InputError(f"beam_width must be at least 1, got {beam_width}")
        if not hasattr(self, "_decode_functions"):
            self._decode_functions = DecodeFunctions()
        key = (int(beam_width), float(length_penalty))
        functions = self._decode_functions.by_search
        if key not in functions:
            functions[key] = tf.function(
                lambda inputs: self.decode_ids(inputs, *key), input_signature=[input_spec], autograph=False
            )
        return functions[key]

    @classmethod
    def from_config(cls, config):
        """The model `get_config()` describes; the tokenizer comes back from its own config."""
        config = dict(config)
        for key in ("tokenizer", "target_tokenizer"):
            if key in config:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    @classmethod
    def from_preset(cls, preset):
        """Loads a zoo preset by name (`"addition"`) or a preset folder; no network."""
        from keras_seq2seq.models.preset import load_preset

        model = load_preset(preset)
        if not isinstance(model, cls):
            raise InputError(f"preset {preset!r} holds a {type(model).__name__}, not a {cls.__name__}")
        return model

    def save_to_preset(self, path):
        """Writes `config.json`, `model.weights.h5` and `vocabulary.json` to the new folder `path`."""
        from keras_seq2seq.models.preset import save_preset

        save_preset(self, path)


class DecodeFunctions:
    """A model's traced decoding functions by (beam width, length penalty).

    A plain object, not a dict attribute: TensorFlow would track a dict and try
    to save these functions with the model (and fails on tuple keys).
    """

    def __init__(self):
        self.by_search = {}
