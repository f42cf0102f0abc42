"""Tokenizers: strings in, ids out, and back, usable inside a `tf.function`."""

from keras_seq2seq.text.char_tokenizer import CharTokenizer

__all__ = ["CharTokenizer"]
