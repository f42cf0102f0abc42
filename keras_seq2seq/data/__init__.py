"""Task data and `tf.data` pipelines."""

from keras_seq2seq.data.addition import addition_pairs
from keras_seq2seq.data.dates import date_pairs
from keras_seq2seq.data.pipeline import encode_pairs, pairs_dataset
from keras_seq2seq.data.tsv import load_pairs, write_pairs

__all__ = ["addition_pairs", "date_pairs", "encode_pairs", "load_pairs", "pairs_dataset", "write_pairs"]
