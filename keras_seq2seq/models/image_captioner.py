"""`ImageCaptioner`: the encoder-decoder spine with an image encoder, any decoder block and an image preprocessor."""

import keras

from keras_seq2seq.layers import ImageEncoder
from keras_seq2seq.layers.decoders import make_decoder
from keras_seq2seq.models.encoder_decoder import EncoderDecoderModel
from keras_seq2seq.models.image_preprocessor import ImagePreprocessor

ENCODER_OPTIONS = ("image_size", "channels", "filters", "backbone", "backbone_weights", "pooling")


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class ImageCaptioner(EncoderDecoderModel):
    """CNN -> decoder state `[h, c]` (+ spatial positions) -> decoder LSTM -> affine layer.

    Inputs are `{"images": [batch, height, width, channels] float32 in 0..1,
    "decoder_ids": [batch, target_steps]}` (start id first, right-padded with 0); the
    output is the logits of the next token at every step, as for `Seq2Seq`.
    `decoder` is `"plain"` (`Decoder`: starts from the image state), `"peeky"`
    (`PeekyDecoder`: also sees it at every step) or `"attention"`
    (`AttentionDecoder` over the CNN's spatial positions, `score` "dot" or "additive",
    and with `peeky=True` the image state at every step too): the decoder blocks of
    the text models (`layers.decoders`), with their `num_decoder_layers` and `dropout`.
    The image options (`image_size`, `channels`, `filters`, `backbone`,
    `backbone_weights`, `pooling`) are `ImageEncoder`'s.

    `generate(images)` captions images given as file paths, encoded bytes or
    arrays (any size or channel count: converted as `keras_seq2seq.images` says).

    Example:
    >>> import numpy as np
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = ImageCaptioner(tokenizer=CharTokenizer(list("abc ")), decoder="attention",
    ...                        hidden_dim=16, filters=(4, 8), max_target_length=6)
    >>> len(model.generate([np.zeros((32, 32), np.uint8)]))  # untrained, so the caption is noise
    1
    """

    def __init__(
        self,
        tokenizer,
        decoder="attention",
        score="dot",
        peeky=False,
        embedding_dim=16,
        hidden_dim=128,
        num_decoder_layers=1,
        dropout=0.0,
        image_size=(32, 32),
        channels=1,
        filters=(32, 64, 128),
        backbone=None,
        backbone_weights=None,
        pooling="flatten",
        max_target_length=32,
        dtype=None,
        **kwargs,
    ):
        decoder_block = make_decoder(
            decoder, tokenizer.vocabulary_size, embedding_dim, hidden_dim, score=score, peeky=peeky,
            num_layers=num_decoder_layers, dropout=dropout, dtype=dtype, name="decoder",
        )
        encoder = ImageEncoder(
            hidden_dim,
            image_size=image_size,
            channels=channels,
            filters=filters,
            backbone=backbone,
            backbone_weights=backbone_weights,
            pooling=pooling,
            position_embedding=decoder_block.uses_encoder_outputs,  # only attention reads the positions
            dtype=dtype,
            name="encoder",
        )
        super().__init__(
            encoder, decoder_block, ImagePreprocessor(image_size, channels), tokenizer, max_target_length,
            dtype=dtype, **kwargs,
        )

        # === Config ===
        self.tokenizer = tokenizer  # the captions'
        self.decoder_name = decoder
        self.score = score
        self.peeky = peeky
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_decoder_layers = num_decoder_layers
        self.dropout = dropout

    @property
    def image_size(self):
        """`(height, width)` of the images the encoder reads (the preprocessor's: it resizes to it)."""
        return self.preprocessor.image_size

    @property
    def channels(self):
        """The channel count of the images the encoder reads (the preprocessor's: it converts to it)."""
        return self.preprocessor.channels

    def get_config(self):
        encoder_config = self.encoder.get_config()
        config = super().get_config()
        config.update(
            {
                "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
                "decoder": self.decoder_name,
                "score": self.score,
                "peeky": self.peeky,
                "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim,
                "num_decoder_layers": self.num_decoder_layers,
                "dropout": self.dropout,
                **{key: encoder_config[key] for key in ENCODER_OPTIONS},
                "max_target_length": self.max_target_length,
            }
        )
        return config

