"""Task data and `tf.data` pipelines."""

from keras_seq2seq.data.addition import addition_pairs
from keras_seq2seq.data.chitchat import chitchat_pairs
from keras_seq2seq.data.dates import date_pairs
from keras_seq2seq.data.dialogue import dialogue_pairs
from keras_seq2seq.data.ding import translation_pairs
from keras_seq2seq.data.image_folder import load_captions, write_captions
from keras_seq2seq.data.pipeline import encode_pairs, pairs_dataset
from keras_seq2seq.data.pronunciations import g2p_pairs, g2p_references
from keras_seq2seq.data.scenes import caption_scenes
from keras_seq2seq.data.tsv import load_pairs, write_pairs

__all__ = [
    "addition_pairs",
    "caption_scenes",
    "chitchat_pairs",
    "date_pairs",
    "dialogue_pairs",
    "encode_pairs",
    "g2p_pairs",
    "g2p_references",
    "load_captions",
    "load_pairs",
    "pairs_dataset",
    "translation_pairs",
    "write_captions",
    "write_pairs",
]
