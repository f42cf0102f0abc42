"""Reusable blocks for functional seq2seq models."""

from keras_seq2seq.layers.attention_decoder import AttentionDecoder
from keras_seq2seq.layers.decoder import Decoder
from keras_seq2seq.layers.decoders import make_decoder
from keras_seq2seq.layers.fused_lstm import FusedLSTM
from keras_seq2seq.layers.image_encoder import ImageEncoder
from keras_seq2seq.layers.length_aware_reverse import LengthAwareReverse
from keras_seq2seq.layers.peeky_decoder import PeekyDecoder
from keras_seq2seq.layers.text_encoder import TextEncoder

__all__ = [
    "AttentionDecoder", "Decoder", "FusedLSTM", "ImageEncoder", "LengthAwareReverse", "PeekyDecoder", "TextEncoder",
    "make_decoder",
]
