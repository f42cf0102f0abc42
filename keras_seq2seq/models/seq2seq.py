"""`Seq2Seq`: a functional encoder-decoder model with masked training and in-graph greedy decoding."""

import sys

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from keras_seq2seq.errors import InputError
from keras_seq2seq.layers import Decoder, TextEncoder
from keras_seq2seq.models.encoder_decoder import EncoderDecoderModel
from keras_seq2seq.text.date_input import input_format as find_input_format
from keras_seq2seq.text.iso_dates import output_check as find_output_check
from keras_seq2seq.widths import bucket_width


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class Seq2Seq(EncoderDecoderModel):
    """Encoder LSTM -> context `[h, c]` -> decoder LSTM -> affine layer, as a functional model.

    Inputs are `{"source_ids": [batch, source_steps], "decoder_ids": [batch, target_steps]}`
    (right-padded with 0, `decoder_ids` starting with the start id) of any widths;
    the output is the logits of the next token at every decoder step. `generate`
    answers strings with greedy decoding; `compile()` defaults to the masked loss
    and metrics, and to XLA for the batch widths where it pays.

    Deeper models: `num_encoder_layers` and `bidirectional_encoder` (see
    `TextEncoder`), `num_decoder_layers` (see `Decoder`), and `dropout` on the
    embeddings and between layers, while training only. `target_tokenizer` gives
    the targets a tokenizer of their own (letters in, phones out); by default
    sources and targets share `tokenizer`. `max_source_length` and
    `max_target_length` are the longest source `generate` accepts and the
    longest answer it writes.

    `input_format` and `output_check` (None, or `"date_month_first"` / `"date_day_first"`
    and `"iso_date"`) normalise the texts before the model and check its answers, in
    `generate` and in exported models: see `keras_seq2seq.text.date_input` and `iso_dates`.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> tokenizer = CharTokenizer(vocabulary=list("0123456789+"))
    >>> model = Seq2Seq(tokenizer=tokenizer, embedding_dim=8, hidden_dim=16,
    ...                 max_source_length=7, max_target_length=4)
    >>> len(model.generate(["16+75", "1+2"]))  # untrained, so the answers are noise
    2
    """

    decoder_class = Decoder

    def __init__(
        self,
        tokenizer,
        embedding_dim=16,
        hidden_dim=128,
        num_encoder_layers=1,
        reverse_source=False,
        max_source_length=32,
        max_target_length=32,
        bidirectional_encoder=False,
        num_decoder_layers=1,
        dropout=0.0,
        target_tokenizer=None,
        input_format=None,
        output_check=None,
        _decoder_options=None,
        dtype=None,
        **kwargs,
    ):
        # `_decoder_options`: extra arguments of `decoder_class`, for subclasses to pass
        # their own arguments on (see `AttentionSeq2Seq`); they save them in their config.
        # === Layers ===
        encoder = TextEncoder(
            tokenizer.vocabulary_size,
            embedding_dim,
            hidden_dim,
            num_layers=num_encoder_layers,
            reverse=reverse_source,
            bidirectional=bidirectional_encoder,
            dropout=dropout,
            dtype=dtype,
            name="encoder",
        )
        decoder = self.decoder_class(
            (target_tokenizer or tokenizer).vocabulary_size,
            embedding_dim,
            hidden_dim,
            num_layers=num_decoder_layers,
            dropout=dropout,
            dtype=dtype,
            name="decoder",
            **(_decoder_options or {}),
        )

        # === Functional Model ===
        source_ids = keras.Input(shape=(None,), dtype="int32", name="source_ids")
        decoder_ids = keras.Input(shape=(None,), dtype="int32", name="decoder_ids")
        state, encoder_outputs = encode(encoder, decoder, source_ids)
        logits = decoder(decoder_ids, state, **encoder_outputs)
        super().__init__(
            inputs={"source_ids": source_ids, "decoder_ids": decoder_ids}, outputs=logits, dtype=dtype, **kwargs
        )

        # === Config ===
        self.tokenizer = tokenizer
        self.target_tokenizer = target_tokenizer or tokenizer
        self.encoder = encoder
        self.decoder = decoder
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_encoder_layers = num_encoder_layers
        self.reverse_source = reverse_source
        self.max_source_length = max_source_length
        self.max_target_length = max_target_length
        self.bidirectional_encoder = bidirectional_encoder
        self.num_decoder_layers = num_decoder_layers
        self.dropout = dropout
        self.reads_source_backwards = reverse_source or bidirectional_encoder
        find_input_format(input_format), find_output_check(output_check)  # unknown names fail here
        self.input_format = input_format
        self.output_check = output_check

    sequence_inputs = ("source_ids", "decoder_ids")

    def decode_ids(self, source_ids, **options):
        """Decoding in the graph: `[batch, steps]` ids to `(ids, scores)`.

        Greedy by default; `options` are the decoding options (`search`, docs/decoding.md).
        `ids` is `[batch, max_length]`: the answer, its end id, then 0; `scores` are
        the answers' summed log-probabilities (with `num_return_sequences`: see `search`).
        """
        state, encoder_outputs = encode(self.encoder, self.decoder, source_ids)
        return self.search(state, encoder_outputs, keras.ops.shape(source_ids)[0], **options)

    def generate(self, texts, batch_size=1024, progress=False, **options):
        """Answers each string in `texts`; returns a list of strings.

        Greedy decoding by default. `options` choose another (docs/decoding.md):
        `max_length` (tokens to generate, the end id included; default
        `max_target_length + 1`), `beam_width`, `length_penalty`, `do_sample`,
        `temperature`, `top_k`, `top_p`, `seed`, and `num_return_sequences`: when it
        is given (N), each text gets a list of N `Hypothesis(text, score,
        ranking_score)`, best first, instead of a string.
        `progress=True` shows a progress bar on standard error.

        Raises `InputError` naming the text for an empty text, a text longer than
        `max_source_length` or a character outside the vocabulary.
        """
        if isinstance(texts, (str, bytes)):
            raise InputError("generate() takes a list of strings, not a single string")
        texts = [self.tokenizer.as_text(text) for text in texts]
        sources = self.model_sources(texts)
        # Texts of similar lengths go in one batch, padded to its longest (rounded up to a bucket
        # width): little padding; one trace for every width, whose encoder loops over the steps.
        lengths = self.tokenizer.tokenize(tf.constant(sources, tf.string)).row_lengths().numpy() if sources else []
        order = np.argsort(lengths, kind="stable")
        decode = self.decode_function(tf.TensorSpec([None, None], tf.int32), **options)
        answers = [None] * len(sources)
        batches = range(0, len(sources), batch_size)
        for begin in tqdm(batches, unit="batch", file=sys.stderr, disable=not progress, leave=False):
            rows = order[begin : begin + batch_size]
            width = bucket_width(lengths[rows[-1]])
            source_ids = self.tokenizer.encode([sources[row] for row in rows], width)
            for row, answer in zip(rows, decode(source_ids)):
                answers[row] = answer
        if options.get("num_return_sequences") is not None:  # n-best answers are ranked, not checked
            return answers
        return find_output_check(self.output_check).check(texts, answers)

    def model_sources(self, texts):
        """`texts` as the model reads them: checked, and normalised and marked if `input_format` says so.

        `InputError` names a text the model cannot take (empty, too long, an unknown character).
        """
        reader = find_input_format(self.input_format)  # e.g. the date model's normalisation and reading mark
        limit = self.max_source_length - len(reader.mark)
        texts = [reader.normalize(self.tokenizer.as_text(text)) for text in texts]
        return [reader.mark + self.tokenizer.check(text, limit) for text in texts]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
                "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim,
                "num_encoder_layers": self.num_encoder_layers,
                "reverse_source": self.reverse_source,
                "max_source_length": self.max_source_length,
                "max_target_length": self.max_target_length,
                "bidirectional_encoder": self.bidirectional_encoder,
                "num_decoder_layers": self.num_decoder_layers,
                "dropout": self.dropout,
                "input_format": self.input_format,
                "output_check": self.output_check,
            }
        )
        if self.target_tokenizer is not self.tokenizer:
            config["target_tokenizer"] = keras.saving.serialize_keras_object(self.target_tokenizer)
        return config


def encode(encoder, decoder, source_ids):
    """Runs `encoder`; returns its final state `[h, c]` and the keyword arguments it gives `decoder`.

    These are `{"encoder_outputs": [batch, source_steps, hidden], "encoder_mask": [batch, source_steps]}`
    for a decoder that reads them (`decoder.uses_encoder_outputs`), else `{}`.
    """
    outputs, state = encoder(source_ids)
    if not decoder.uses_encoder_outputs:
        return state, {}
    mask, _ = encoder.compute_mask(source_ids)
    return state, {"encoder_outputs": outputs, "encoder_mask": mask}
