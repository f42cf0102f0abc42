"""`Seq2Seq`: the encoder-decoder spine with a text encoder, a plain decoder and a text preprocessor."""

import keras

from keras_seq2seq.layers import TextEncoder
from keras_seq2seq.layers.decoders import make_decoder
from keras_seq2seq.models.encoder_decoder import EncoderDecoderModel
from keras_seq2seq.models.text_preprocessor import TextPreprocessor


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

    decoder_kind = "plain"  # the subclasses' decoder blocks: see `layers.decoders`

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
        # `_decoder_options`: extra arguments of the decoder block, for subclasses to pass
        # their own arguments on (see `AttentionSeq2Seq`); they save them in their config.
        target_tokenizer = target_tokenizer or tokenizer
        super().__init__(
            encoder=TextEncoder(
                tokenizer.vocabulary_size,
                embedding_dim,
                hidden_dim,
                num_layers=num_encoder_layers,
                reverse=reverse_source,
                bidirectional=bidirectional_encoder,
                dropout=dropout,
                dtype=dtype,
                name="encoder",
            ),
            decoder=make_decoder(
                self.decoder_kind,
                target_tokenizer.vocabulary_size,
                embedding_dim,
                hidden_dim,
                num_layers=num_decoder_layers,
                dropout=dropout,
                dtype=dtype,
                name="decoder",
                **(_decoder_options or {}),
            ),
            preprocessor=TextPreprocessor(tokenizer, max_source_length, input_format, output_check),
            target_tokenizer=target_tokenizer,
            max_target_length=max_target_length,
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        self.tokenizer = tokenizer
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_encoder_layers = num_encoder_layers
        self.reverse_source = reverse_source
        self.bidirectional_encoder = bidirectional_encoder
        self.num_decoder_layers = num_decoder_layers
        self.dropout = dropout
        self.reads_source_backwards = reverse_source or bidirectional_encoder

    @property
    def max_source_length(self):
        """The longest source, in tokens, that `generate` and the exported model take (the preprocessor's)."""
        return self.preprocessor.max_source_length

    @property
    def input_format(self):
        """The name of a date model's normalisation of its texts (`text.date_input`), held by its preprocessor."""
        return self.preprocessor.input_format

    @input_format.setter
    def input_format(self, name):
        self.preprocessor.input_format = name

    @property
    def output_check(self):
        """The name of a date model's check of its answers (`text.iso_dates`); `evaluate` sets it to None."""
        return self.preprocessor.output_check

    @output_check.setter
    def output_check(self, name):
        self.preprocessor.output_check = name

    def model_sources(self, texts):
        """`texts` as the model reads them (`TextPreprocessor.model_sources`): checked, normalised, marked."""
        return self.preprocessor.model_sources(texts)

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

