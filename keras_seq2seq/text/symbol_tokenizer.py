"""A symbol tokenizer: whitespace-separated symbols of a fixed vocabulary, e.g. ARPAbet phones `HH AH L OW`.

Each symbol (a run of non-space characters, case kept) is one id; `decode`
joins symbols with single spaces. Like `CharTokenizer`, Keras' `StringLookup`
does the lookups, and `tf.strings.split` the splitting, so it runs eagerly,
inside a `tf.function` and in an exported SavedModel (stock TF ops only).
"""

import re

import keras
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.special_tokens import SPECIAL_TOKENS
from keras_seq2seq.text.tokenizer import Tokenizer

# What `tf.strings.split` splits on when given no separator: runs of ASCII whitespace. (Python's
# str.split() also splits on other spaces, such as U+00A0, where the graph would see one unknown symbol.)
_SPACES = re.compile(r"[ \t\n\v\f\r]+")


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class SymbolTokenizer(Tokenizer):
    """Maps each whitespace-separated symbol to an id; ids 0-3 are padding, unknown, start and end.

    Example:
    >>> tok = SymbolTokenizer(vocabulary=["AH", "HH", "L", "OW"])
    >>> tok.encode(["HH AH L OW", " L  OW "], length=5).tolist()
    [[5, 4, 6, 7, 0], [6, 7, 0, 0, 0]]
    >>> tok.decode([[5, 4, 6, 7, 3], [6, 1, 7, 0, 0]])  # special ids (here unknown, 1) are dropped
    ['HH AH L OW', 'L OW']
    """

    unit = "symbol"  # what lengths count, in error messages
    unknown_is_error = True  # exported models reject symbols outside the vocabulary

    def __init__(self, vocabulary, name="symbol_tokenizer"):
        super().__init__(name=name)
        self.vocabulary = [str(token) for token in vocabulary]
        if len(set(self.vocabulary)) != len(self.vocabulary):
            raise InputError("the tokenizer vocabulary has duplicate symbols")
        bad = [token for token in self.vocabulary if symbols_of(token) != [token] or token in SPECIAL_TOKENS]
        if bad:
            raise InputError(
                f"the vocabulary must hold non-blank symbols without spaces, not special ones; got {bad[:5]}"
            )
        self._build_lookups()

    @classmethod
    def from_texts(cls, texts):
        """Builds the vocabulary from every symbol that occurs in `texts`, sorted."""
        return cls(vocabulary=sorted({symbol for text in texts for symbol in symbols_of(text)}))

    def tokenize(self, texts):
        """`tf.string` tensor of shape `[batch]` to a ragged `int32` tensor of ids, one per symbol."""
        symbols = tf.strings.split(texts)  # on runs of ASCII whitespace, as `symbols_of`
        return tf.ragged.map_flat_values(lambda flat: tf.cast(self._to_id(flat), tf.int32), symbols)

    def detokenize(self, ids):
        """Dense ids `[batch, steps]` to strings: stops at the end id, drops special ids, one space between symbols."""
        ids = tf.convert_to_tensor(ids)
        symbols = tf.ragged.boolean_mask(self._to_token(tf.cast(ids, tf.int64)), self.answer_mask(ids))
        return tf.strings.reduce_join(symbols, axis=-1, separator=" ")

    def normalize(self, texts):
        """`texts` as answers are compared by `evaluate`: symbols one space apart, case kept."""
        return [" ".join(symbols_of(text)) for text in texts]

    def check(self, text, max_length):
        """Raises `InputError` naming the problem if the model cannot take `text`."""
        text = self.as_text(text)
        self.check_units(text, symbols_of(text), max_length, separator=" ")
        return text


def symbols_of(text):
    """The symbols of `text` as `tokenize` splits it: runs of non-space characters (ASCII spaces).

    Example:
    >>> symbols_of(" HH  AH\tL OW ")
    ['HH', 'AH', 'L', 'OW']
    """
    return [symbol for symbol in _SPACES.split(text) if symbol]


__all__ = ["SymbolTokenizer", "symbols_of"]
