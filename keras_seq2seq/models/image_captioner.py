"""`ImageCaptioner`: an `ImageEncoder` and one of the zoo's decoders, as a functional model."""

import sys

import keras
import tensorflow as tf
from tqdm import tqdm

from keras_seq2seq.images import prepare_images
from keras_seq2seq.errors import InputError
from keras_seq2seq.layers import AttentionDecoder, Decoder, ImageEncoder, PeekyDecoder
from keras_seq2seq.models.encoder_decoder import EncoderDecoderModel

DECODERS = {"plain": Decoder, "peeky": PeekyDecoder, "attention": AttentionDecoder}
ENCODER_OPTIONS = ("image_size", "channels", "filters", "backbone", "backbone_weights", "pooling")


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class ImageCaptioner(EncoderDecoderModel):
    """CNN -> decoder state `[h, c]` (+ spatial positions) -> decoder LSTM -> affine layer.

    Inputs are `{"images": [batch, height, width, channels] float32 in 0..1,
    "decoder_ids": [batch, target_steps]}` (start id first, right-padded with 0); the
    output is the logits of the next token at every step, as for `Seq2Seq`.
    `decoder` is `"plain"` (`Decoder`: starts from the image state), `"peeky"`
    (`PeekyDecoder`: also sees it at every step) or `"attention"`
    (`AttentionDecoder` over the CNN's spatial positions, `score` "dot" or "additive").
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

    input_kind = "images"

    def __init__(
        self,
        tokenizer,
        decoder="attention",
        score="dot",
        embedding_dim=16,
        hidden_dim=128,
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
        if decoder not in DECODERS:
            raise InputError(f"decoder must be one of {', '.join(map(repr, DECODERS))}, got {decoder!r}")
        # === Layers ===
        encoder = ImageEncoder(
            hidden_dim,
            image_size=image_size,
            channels=channels,
            filters=filters,
            backbone=backbone,
            backbone_weights=backbone_weights,
            pooling=pooling,
            position_embedding=DECODERS[decoder].uses_encoder_outputs,  # only attention reads the positions
            dtype=dtype,
            name="encoder",
        )
        options = {"score": score} if decoder == "attention" else {}
        decoder_block = DECODERS[decoder](
            tokenizer.vocabulary_size, embedding_dim, hidden_dim, dtype=dtype, name="decoder", **options
        )

        # === Functional Model ===
        images = keras.Input(shape=(*image_size, channels), dtype="float32", name="images")
        decoder_ids = keras.Input(shape=(None,), dtype="int32", name="decoder_ids")
        state, encoder_outputs = encode_images(encoder, decoder_block, images)
        logits = decoder_block(decoder_ids, state, **encoder_outputs)
        super().__init__(inputs={"images": images, "decoder_ids": decoder_ids}, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.tokenizer = self.target_tokenizer = tokenizer
        self.encoder = encoder
        self.decoder = decoder_block
        self.decoder_name = decoder
        self.score = score
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.image_size = tuple(image_size)
        self.channels = channels
        self.max_target_length = max_target_length

    def decode_ids(self, images, **options):
        """Decoding in the graph: images `[batch, height, width, channels]` (0..1) to `(ids, scores)`.

        As `Seq2Seq.decode_ids`: greedy by default, `options` choose another.
        """
        state, encoder_outputs = encode_images(self.encoder, self.decoder, images)
        return self.search(state, encoder_outputs, keras.ops.shape(images)[0], **options)

    def prepare(self, images):
        """Images (paths, bytes or arrays) to the model's float batch; see `keras_seq2seq.images`."""
        return prepare_images(images, self.image_size, self.channels)

    def generate(self, images, batch_size=256, progress=False, **options):
        """Captions each image; returns a list of strings.

        `images` is a list of file paths, encoded bytes or arrays, or an array batch
        `[n, height, width(, channels)]`. Greedy decoding by default; `options` are
        `Seq2Seq.generate`'s (beam search, sampling, `max_length`, n-best as lists of
        `Hypothesis`). Raises `InputError` naming the image that cannot be read.
        """
        batch = self.prepare(images)
        decode = self.decode_function(tf.TensorSpec([None, *self.image_size, self.channels], tf.float32), **options)
        captions = []
        batches = range(0, len(batch), batch_size)
        for begin in tqdm(batches, unit="batch", file=sys.stderr, disable=not progress, leave=False):
            captions.extend(decode(batch[begin : begin + batch_size]))
        return captions

    def get_config(self):
        encoder_config = self.encoder.get_config()
        config = super().get_config()
        config.update(
            {
                "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
                "decoder": self.decoder_name,
                "score": self.score,
                "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim,
                **{key: encoder_config[key] for key in ENCODER_OPTIONS},
                "max_target_length": self.max_target_length,
            }
        )
        return config


def encode_images(encoder, decoder, images):
    """Runs the image encoder; returns the state `[h, c]` and the keyword arguments it gives `decoder`.

    Every spatial position is real, so an attention decoder gets the positions and no mask.
    """
    positions, state = encoder(images)
    return state, ({"encoder_outputs": positions} if decoder.uses_encoder_outputs else {})
