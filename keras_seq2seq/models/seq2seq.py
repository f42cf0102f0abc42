"""`Seq2Seq`: a functional encoder-decoder model with masked training and in-graph greedy decoding."""

import sys

import keras
import tensorflow as tf
from tqdm import tqdm

from keras_seq2seq.errors import InputError
from keras_seq2seq.layers import Decoder, TextEncoder
from keras_seq2seq.models.encoder_decoder import EncoderDecoderModel
from keras_seq2seq.text.date_input import input_format as find_input_format
from keras_seq2seq.text.iso_dates import output_check as find_output_check


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class Seq2Seq(EncoderDecoderModel):
    """Encoder LSTM -> context `[h, c]` -> decoder LSTM -> affine layer, as a functional model.

    Inputs are `{"source_ids": [batch, source_steps], "decoder_ids": [batch, target_steps]}`
    (right-padded with 0, `decoder_ids` starting with the start id); the output is
    the logits of the next token at every decoder step. `generate` answers strings
    with greedy decoding; `compile()` defaults to the masked loss and metrics.
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
        input_format=None,
        output_check=None,
        _decoder_options=None,
        **kwargs,
    ):
        # `_decoder_options`: extra arguments of `decoder_class`, for subclasses to pass
        # their own arguments on (see `AttentionSeq2Seq`); they save them in their config.
        vocabulary_size = tokenizer.vocabulary_size
        # === Layers ===
        encoder = TextEncoder(
            vocabulary_size,
            embedding_dim,
            hidden_dim,
            num_layers=num_encoder_layers,
            reverse=reverse_source,
            name="encoder",
        )
        decoder = self.decoder_class(
            vocabulary_size, embedding_dim, hidden_dim, name="decoder", **(_decoder_options or {})
        )

        # === Functional Model ===
        source_ids = keras.Input(shape=(None,), dtype="int32", name="source_ids")
        decoder_ids = keras.Input(shape=(None,), dtype="int32", name="decoder_ids")
        state, encoder_outputs = encode(encoder, decoder, source_ids)
        logits = decoder(decoder_ids, state, **encoder_outputs)
        super().__init__(
            inputs={"source_ids": source_ids, "decoder_ids": decoder_ids}, outputs=logits, **kwargs
        )

        # === Config ===
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.decoder = decoder
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_encoder_layers = num_encoder_layers
        self.reverse_source = reverse_source
        self.max_source_length = max_source_length
        self.max_target_length = max_target_length
        find_input_format(input_format), find_output_check(output_check)  # unknown names fail here
        self.input_format = input_format
        self.output_check = output_check

    def decode_ids(self, source_ids, beam_width=1, length_penalty=0.0):
        """Decoding in the graph: `[batch, steps]` ids to `(ids, scores)`.

        Greedy when `beam_width` is 1, else beam search (with a GNMT length
        penalty `length_penalty`). `ids` is `[batch, max_target_length + 1]`: the
        answer, its end id, then 0; `scores` are the answers' summed log-probabilities.
        """
        state, encoder_outputs = encode(self.encoder, self.decoder, source_ids)
        return self.search(state, encoder_outputs, keras.ops.shape(source_ids)[0], beam_width, length_penalty)

    def generate(self, texts, batch_size=1024, progress=False, beam_width=1, length_penalty=0.0):
        """Answers each string in `texts`; returns a list of strings.

        Greedy decoding, or beam search when `beam_width` > 1 (see `decode_ids`).
        `progress=True` shows a progress bar on standard error.

        Raises `InputError` naming the text for an empty text, a text longer than
        `max_source_length` or a character outside the vocabulary.
        """
        if isinstance(texts, (str, bytes)):
            raise InputError("generate() takes a list of strings, not a single string")
        texts = [self.tokenizer.as_text(text) for text in texts]
        sources = self.model_sources(texts)
        # Padding every batch to max_source_length keeps the shape fixed: one trace, an unrolled encoder.
        source_spec = tf.TensorSpec([None, self.max_source_length], tf.int32)
        decode = self.decode_function(source_spec, beam_width, length_penalty)
        answers = []
        batches = range(0, len(sources), batch_size)
        for begin in tqdm(batches, unit="batch", file=sys.stderr, disable=not progress, leave=False):
            source_ids = self.tokenizer.encode(sources[begin : begin + batch_size], self.max_source_length)
            ids, _ = decode(tf.constant(source_ids))
            answers.extend(self.tokenizer.decode(ids))
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
        return {
            "name": self.name,
            "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "num_encoder_layers": self.num_encoder_layers,
            "reverse_source": self.reverse_source,
            "max_source_length": self.max_source_length,
            "max_target_length": self.max_target_length,
            "input_format": self.input_format,
            "output_check": self.output_check,
        }


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
