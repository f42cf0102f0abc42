"""`EncoderDecoderModel`: the one spine of every model of the zoo, whatever its encoder reads.

The model is assembled from three parts: an encoder block that returns
`(sequence_output, [h, c])` (`TextEncoder`, `ImageEncoder`), a decoder block
(`layers.decoders`: plain, peeky, attention, peeky attention) and a preprocessor
that owns what happens to the inputs before decoding and to the answers after
(`TextPreprocessor`, `ImagePreprocessor`). From them it builds the functional
model (`{preprocessor.input_name: ..., "decoder_ids": ...}` to the logits of
every next token), decodes in the graph (`decode_ids`) and answers (`generate`),
and gives the training defaults and preset loading and saving. `Seq2Seq`,
`PeekySeq2Seq`, `AttentionSeq2Seq` and `ImageCaptioner` are its named
constructors: each builds its blocks from its arguments, with its `dtype` (a
Keras dtype policy, such as `"mixed_bfloat16"`), and keeps its arguments for
`get_config`, which starts from `super().get_config()` (name, trainable, dtype).
"""

import sys
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from keras_seq2seq.decoding.options import DecodingOptions, check_seed
from keras_seq2seq.errors import InputError
from keras_seq2seq.metrics import ExactMatch, MaskedAccuracy, masked_loss
from keras_seq2seq.models import shape_buckets
from keras_seq2seq.models.array_batches import array_batches
from keras_seq2seq.models.traced_decoding import call_seeds, traced
from keras_seq2seq.text.special_tokens import END_ID, START_ID, UNKNOWN_ID


class EncoderDecoderModel(keras.Model):
    """An encoder block, a decoder block and a preprocessor as one functional model; see the module docstring.

    Built directly, it trains, evaluates and answers; presets, configs and exports
    need the named constructors (`Seq2Seq`, ..., `ImageCaptioner`), whose `get_config`
    holds the arguments that rebuild the blocks, and which set `tokenizer`.

    Example:
    >>> from keras_seq2seq.layers import Decoder, TextEncoder
    >>> from keras_seq2seq.models import TextPreprocessor
    >>> from keras_seq2seq.text import CharTokenizer
    >>> tokenizer = CharTokenizer(list("0123456789+"))
    >>> model = EncoderDecoderModel(TextEncoder(tokenizer.vocabulary_size, 8, 16, name="encoder"),
    ...                             Decoder(tokenizer.vocabulary_size, 8, 16, name="decoder"),
    ...                             TextPreprocessor(tokenizer, max_source_length=7), tokenizer, max_target_length=4)
    >>> sorted(model.input), len(model.generate(["16+75", "1+2"]))  # untrained, so the answers are noise
    (['decoder_ids', 'source_ids'], 2)
    """

    # Whether the encoder reads the source backwards, so that a row padded elsewhere than on the right is an error.
    reads_source_backwards = False

    def __init__(self, encoder, decoder, preprocessor, target_tokenizer, max_target_length=32, dtype=None, **kwargs):
        # === Functional Model ===
        encoder_input = preprocessor.keras_input()
        decoder_ids = keras.Input(shape=(None,), dtype="int32", name="decoder_ids")
        state, encoder_outputs = encode(encoder, decoder, encoder_input)
        logits = decoder(decoder_ids, state, **encoder_outputs)
        inputs = {preprocessor.input_name: encoder_input, "decoder_ids": decoder_ids}
        # Keras' functional constructor drops `dtype`: the model keeps the policy its blocks were built
        # with, so that `get_config` saves it and `from_config` rebuilds the same (as keras-hub's Backbone).
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self._dtype_given = dtype is not None
        if dtype is not None:
            self.dtype_policy = keras.dtype_policies.get(dtype)

        # === Parts ===
        self.encoder = encoder
        self.decoder = decoder
        self.preprocessor = preprocessor
        self.target_tokenizer = target_tokenizer  # what the decoder writes
        self.max_target_length = max_target_length  # the longest answer `generate` writes

    @property
    def input_kind(self):
        """What the model answers: "text" or "images". Export and the command line pick their signature and
        data by it, never by the model's class."""
        return self.preprocessor.input_kind

    @property
    def sequence_inputs(self):
        """The inputs whose axis 1 is a sequence of ids padded on the right with 0 (see `shape_buckets`)."""
        return (*self.preprocessor.sequence_inputs, "decoder_ids")

    def get_config(self):
        """Keras' `name`, `trainable` and `dtype`; the subclasses add their own arguments.

        `dtype` only if the model was built with one: without it the blocks follow Keras'
        global policy, which a recipe's `mixed_precision` sets for training only, and such
        presets load in float32 (docs/distributed.md).
        """
        config = super().get_config()
        if not self._dtype_given:
            del config["dtype"]
        return config

    def compile(self, optimizer="adam", loss=None, metrics=None, jit_compile=True, **kwargs):
        """Defaults: masked loss, masked token accuracy and exact match, and XLA where it pays.

        With `jit_compile=True` (the default) `fit`, `evaluate`, `predict` and
        `train_on_batch` take batches of any width, NumPy or `tf.data`
        (`padded_batch` included): the first training batch's widths get a step
        of their own (arrays of one width train unpadded), any other batch's
        widths are rounded up to a bucket, batches of short buckets train in a
        step that XLA compiled for that bucket, and longer ones in one step
        without XLA; evaluation and prediction run without XLA (`shape_buckets.py`
        says why).
        Exported SavedModels never use XLA. Under a `tf.distribute` strategy XLA is
        off: Keras 3.15 cannot XLA-compile a step whose variables are mirrored on
        several devices ("Trying to access resource ... located in device CPU:1").
        On a GPU XLA is off too: the LSTMs run cuDNN's kernels there (`FusedLSTM`),
        which XLA cannot compile.

        On JAX the steps are Keras' own (on a GPU too): `jit_compile=True` runs each one `jax.jit`-compiled,
        once per batch shape (no buckets: arrays of fixed widths, as `encode_pairs` makes,
        compile once), which pays there too: on the tests' tiny model a training step
        took about 1 ms, against about 90 ms without it.

        On PyTorch the steps run eagerly whatever `jit_compile` says: there it would mean
        `torch.compile`, which does not pay for these small recurrent steps (it recompiles
        per batch shape; issue 15 measured 116 s for a first 4-step `fit`, against 4 s eagerly).
        """
        if keras.backend.backend() == "torch":
            jit_compile = False
        if tf.distribute.has_strategy() or getattr(self, "_distribute_strategy", None) is not None:
            jit_compile = False
        if not all(layer.supports_jit for layer in self._flatten_layers()):
            jit_compile = False
        super().compile(
            optimizer=optimizer,
            loss=loss or masked_loss(),
            metrics=metrics or [MaskedAccuracy(), ExactMatch()],
            jit_compile=jit_compile,
            **kwargs,
        )

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, **kwargs):
        """Keras' `fit`; on TensorFlow, NumPy arrays are batched by `models.array_batches`.

        The same batches as Keras makes of them, through a pipeline that does not
        stall at the start of an epoch (`array_batches` says why). With
        `validation_split`, `class_weight` or `sample_weight`, Keras batches them.
        """
        if (
            keras.backend.backend() == "tensorflow"
            and y is not None
            and all(isinstance(array, np.ndarray) for array in keras.tree.flatten((x, y)))
            and not validation_split
            and class_weight is None
            and sample_weight is None
        ):
            x, y = array_batches(x, y, batch_size or 32, shuffle), None
            batch_size = None
        return super().fit(x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                           shuffle, class_weight, sample_weight, **kwargs)

    def make_train_function(self, force=False):
        make = lambda: shape_buckets.train_or_test_function(self, self.train_step, xla=True)  # noqa: E731
        return self._step_function("train_function", force, super().make_train_function, make)

    def make_test_function(self, force=False):
        make = lambda: shape_buckets.train_or_test_function(self, self.test_step, xla=False)  # noqa: E731
        return self._step_function("test_function", force, super().make_test_function, make)

    def make_predict_function(self, force=False):
        return self._step_function("predict_function", force, super().make_predict_function,
                                   lambda: shape_buckets.predict_function(self))

    def _step_function(self, name, force, make_keras_function, make_bucketed_function):
        """The step function `name` (Keras' `train_function`, ...): ours when `_uses_bucketed_steps`, else Keras'."""
        if not self._uses_bucketed_steps():
            return make_keras_function(force)
        if getattr(self, name) is None or force:
            setattr(self, name, make_bucketed_function())
        return getattr(self, name)

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

    def decode_ids(self, inputs, **options):
        """Decoding in the graph: a batch of the encoder's inputs (`preprocessor.input_spec`) to `(ids, scores)`.

        Greedy by default; `options` are the decoding options (`search`, docs/decoding.md).
        `ids` is `[batch, max_length]`: the answer, its end id, then 0; `scores` are
        the answers' summed log-probabilities (with `num_return_sequences`: see `search`).
        """
        state, encoder_outputs = encode(self.encoder, self.decoder, inputs)
        return self.search(state, encoder_outputs, keras.ops.shape(inputs)[0], **options)

    def generate(self, inputs, batch_size=None, progress=False, **options):
        """Answers each input (texts, or images as paths, bytes or arrays); returns a list of strings.

        Greedy decoding by default. `options` choose another (docs/decoding.md):
        `max_length` (tokens to generate, the end id included; default
        `max_target_length + 1`), `beam_width`, `length_penalty`, `do_sample`,
        `temperature`, `top_k`, `top_p`, `seed`, and `num_return_sequences`: when it
        is given (N), each input gets a list of N `Hypothesis(text, score,
        ranking_score)`, best first, instead of a string. `batch_size` defaults to
        the preprocessor's (1024 texts, 256 images). `progress=True` shows a
        progress bar on standard error.

        Raises `InputError` naming the input the model cannot take: an empty text, a
        text longer than `max_source_length`, a character outside the vocabulary, an
        image that cannot be read.
        """
        inputs = self.preprocessor.prepare(inputs)
        batches = self.preprocessor.batches(inputs, batch_size or self.preprocessor.default_batch_size)
        decode = self.decode_function(self.preprocessor.input_spec, **options)
        answers = [None] * len(inputs)
        for rows, batch in tqdm(batches, unit="batch", file=sys.stderr, disable=not progress, leave=False):
            for row, answer in zip(rows, decode(batch)):
                answers[row] = answer
        if options.get("num_return_sequences") is not None:  # n-best answers are ranked, not checked
            return answers
        return self.preprocessor.check_answers(inputs, answers)

    def search(self, state, encoder_outputs, batch_size, seed=0, num_return_sequences=None, **options):
        """Decodes from the encoder state `[h, c]` (and `encoder_outputs`, the decoder's keyword arguments).

        `options` are `DecodingOptions`' (greedy by default; `max_length`, the tokens to
        generate with the end id, defaults to `max_target_length + 1`); `seed` (an int
        tensor, shape `[]` or `[2]`) is for sampling. Returns `(ids [batch, max_length],
        scores [batch])`; when `num_return_sequences` N is given, `(ids [batch, N, max_length],
        scores [batch, N], ranking_scores [batch, N])`, best first.
        """
        options = self.decoding_options(num_return_sequences=num_return_sequences, **options)
        start = self.decoder.start(state, **encoder_outputs)
        ids, scores, ranks = options.decode(
            self.decoder.step, start, batch_size, START_ID, END_ID, seed, never_drawn=(UNKNOWN_ID,)
        )
        if num_return_sequences is None:
            return ids[:, 0], scores[:, 0]
        return ids, scores, ranks

    def decoding_options(self, seed=None, **options):
        """`DecodingOptions` of `options`, checked, with the sampling `seed` (`InputError` for bad ones).

        `max_length` defaults to `max_target_length + 1` (the longest answer the model
        learned, and its end id), `num_return_sequences` to 1.
        """
        defaults = {"max_length": self.max_target_length + 1, "num_return_sequences": 1}
        options.update({name: value for name, value in defaults.items() if options.get(name) is None})
        checked = DecodingOptions.make(**options)
        if seed is not None and not checked.do_sample:
            raise InputError("seed applies only when sampling: add do_sample=True (--sample)")
        check_seed(seed)
        return checked

    def decode_function(self, input_spec, seed=None, **options):
        """A function from one batch of inputs (`input_spec`) to its answers, as `generate` returns them.

        `decode_ids` is compiled once per set of options (`traced_decoding`: a `tf.function`
        for any input shape on TensorFlow, `jax.jit` on JAX; on PyTorch it runs eagerly
        under `torch.no_grad`); the sampling seed is an
        argument of the trace. The function's k-th call draws with the seed of batch k
        (`traced_decoding.call_seeds`), so the same seed and batches give the same answers
        on one backend; `seed=None` picks a seed at random. `input_spec` is the
        TensorFlow trace's input signature; the inputs are NumPy arrays or tensors.
        """
        checked = self.decoding_options(seed, **options)
        seed = check_seed(seed)  # a random one for None
        if not hasattr(self, "_decode_functions"):
            self._decode_functions = DecodeFunctions()
        functions = self._decode_functions.by_search
        key = (checked, options.get("num_return_sequences") is not None)  # n-best answers or strings
        if key not in functions:
            decode_batch = lambda inputs, seed: self.decode_ids(inputs, seed=seed, **options)  # noqa: E731
            functions[key] = traced(self, decode_batch, input_spec)
        decode, seeds = functions[key], call_seeds(seed)
        return lambda inputs: self.answers(decode(inputs, next(seeds)))

    def answers(self, outputs):
        """`decode_ids`' outputs as Python answers: strings, or (n-best) per input a list of N `Hypothesis`."""
        outputs = [keras.ops.convert_to_numpy(x) for x in outputs]
        if len(outputs) == 2:
            return self.target_tokenizer.decode(outputs[0])
        ids, scores, ranks = outputs
        texts = iter(self.target_tokenizer.decode(ids.reshape(-1, ids.shape[-1])))
        return [
            [Hypothesis(next(texts), float(score), float(rank)) for score, rank in zip(row_scores, row_ranks)]
            for row_scores, row_ranks in zip(scores, ranks)
        ]

    @classmethod
    def from_config(cls, config):
        """The model `get_config()` describes; the tokenizer comes back from its own config.

        A config without `dtype` (the zoo's presets, a recipe's) builds under Keras' global
        policy, float32 unless the user set another.
        """
        config = dict(config)
        for key in ("tokenizer", "target_tokenizer"):
            if key in config:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
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


class Hypothesis(NamedTuple):
    """One of the N answers `generate(..., num_return_sequences=N)` gives each input, best first.

    `score` is the answer's summed log-probability (the `score` of the exported
    models); `ranking_score` is what the answers were ranked by: `score` with the
    length penalty (`keras_seq2seq.decoding.beam.ranking_score`), `score` itself without one.
    """

    text: str
    score: float
    ranking_score: float


class DecodeFunctions:
    """A model's traced decoding functions by `DecodingOptions`.

    A plain object, not a dict attribute: TensorFlow would track a dict and try
    to save these functions with the model (and fails on tuple keys).
    """

    def __init__(self):
        self.by_search = {}


def encode(encoder, decoder, inputs):
    """Runs `encoder`; returns its final state `[h, c]` and the keyword arguments it gives `decoder`.

    These are `{"encoder_outputs": [batch, steps, features], "encoder_mask": [batch, steps]}`
    for a decoder that reads them (`decoder.uses_encoder_outputs`), else `{}`. An image
    encoder's positions are all real: its mask is None.
    """
    outputs, state = encoder(inputs)
    if not decoder.uses_encoder_outputs:
        return state, {}
    mask, _ = encoder.compute_mask(inputs)
    return state, {"encoder_outputs": outputs, "encoder_mask": mask}
