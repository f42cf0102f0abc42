"""Tokenizers: strings in, ids out, and back, usable inside a `tf.function`."""

from keras_seq2seq.text.char_tokenizer import CharTokenizer
from keras_seq2seq.text.symbol_tokenizer import SymbolTokenizer
from keras_seq2seq.text.word_piece_tokenizer import WordPieceTokenizer

__all__ = ["CharTokenizer", "SymbolTokenizer", "WordPieceTokenizer"]
