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
from keras_seq2seq.text.special_tokens import END_ID, START_ID


class EncoderDecoderModel(keras.Model):
    """Base of `Seq2Seq` and `ImageCaptioner`: compile defaults, decoding, presets.

    Example:
    >>> import keras_seq2seq as ks
    >>> isinstance(ks.from_preset("addition"), EncoderDecoderModel)
    True
    """

    def compile(self, optimizer="adam", loss=None, metrics=None, jit_compile=True, **kwargs):
        """Defaults: masked loss, masked token accuracy and exact match, and XLA.

        XLA is on by default (Keras turns it off on CPU-only machines): it
        trains these small models 2-3x faster (`bench/training_speed.py`).
        Exported SavedModels never use it. Under a `tf.distribute` strategy it is
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
        config["tokenizer"] = keras.saving.deserialize_keras_object(config["tokenizer"])
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
