"""Functional seq2seq models assembled from the blocks in `keras_seq2seq.layers`."""

from keras_seq2seq.models.attention_seq2seq import AttentionSeq2Seq
from keras_seq2seq.models.encoder_decoder import EncoderDecoderModel
from keras_seq2seq.models.image_captioner import ImageCaptioner
from keras_seq2seq.models.image_preprocessor import ImagePreprocessor
from keras_seq2seq.models.peeky_seq2seq import PeekySeq2Seq
from keras_seq2seq.models.preset import load_preset, save_preset, zoo_names
from keras_seq2seq.models.seq2seq import Seq2Seq
from keras_seq2seq.models.text_preprocessor import TextPreprocessor

__all__ = [
    "AttentionSeq2Seq",
    "EncoderDecoderModel",
    "ImageCaptioner",
    "ImagePreprocessor",
    "PeekySeq2Seq",
    "Seq2Seq",
    "TextPreprocessor",
    "load_preset",
    "save_preset",
    "zoo_names",
]
