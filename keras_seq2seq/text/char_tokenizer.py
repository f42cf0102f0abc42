"""A character tokenizer with fixed special ids, built on `keras.layers.StringLookup`.

keras-hub's `UnicodeCodepointTokenizer` uses code points as ids (a softmax over
thousands of classes for a 13-character task), so we keep a compact vocabulary
of the characters actually seen, and let Keras' `StringLookup` do the lookups:
it works eagerly, inside `tf.function` and in an exported SavedModel.

The tokenizer is a `tf.Module`, not a Keras layer: it never runs inside the
training step, and a model that owned a string layer would lose XLA.
"""

import keras
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.special_tokens import END_ID, PAD_ID, START_ID, UNKNOWN_ID
from keras_seq2seq.text.tokenizer import Tokenizer


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class CharTokenizer(Tokenizer):
    """Maps each character of a string to an id; ids 0-3 are padding, unknown, start and end.

    Example:
    >>> tok = CharTokenizer(vocabulary=list("0123456789+"))
    >>> tok.encode(["16+75"], length=7).tolist()
    [[5, 10, 14, 11, 9, 0, 0]]
    >>> tok.decode(tok.encode(["16+75"], length=7))
    ['16+75']
    """

    unit = "character"  # what lengths count, in error messages
    unknown_is_error = True  # exported models reject characters outside the vocabulary

    def __init__(self, vocabulary, name="char_tokenizer"):
        super().__init__(name=name)
        self.vocabulary = [str(token) for token in vocabulary]
        if len(set(self.vocabulary)) != len(self.vocabulary):
            raise InputError("the tokenizer vocabulary has duplicate characters")
        bad = [token for token in self.vocabulary if len(token) != 1]
        if bad:
            raise InputError(f"the vocabulary must hold single characters, got {bad[:5]}")
        self._build_lookups()

    @classmethod
    def from_texts(cls, texts):
        """Builds the vocabulary from every character that occurs in `texts`, sorted."""
        return cls(vocabulary=sorted({char for text in texts for char in text}))

    def tokenize(self, texts):
        """`tf.string` tensor of shape `[batch]` to a ragged `int32` tensor of ids.

        Invalid UTF-8 becomes U+FFFD and so the unknown id; use `check` to reject it first.
        """
        chars = tf.strings.unicode_split(texts, "UTF-8", errors="replace")
        return tf.ragged.map_flat_values(lambda flat: tf.cast(self._to_id(flat), tf.int32), chars)

    def detokenize(self, ids):
        """Dense ids `[batch, steps]` to strings: stops at the end id and drops special ids."""
        ids = tf.convert_to_tensor(ids)
        chars = self._to_token(tf.cast(ids, tf.int64))
        return tf.strings.reduce_join(tf.where(self.answer_mask(ids), chars, ""), axis=-1)

    def normalize(self, texts):
        """`texts` as answers are compared by `evaluate`: unchanged, every character counts."""
        return list(texts)

    def check(self, text, max_length):
        """Raises `InputError` naming the problem if the model cannot take `text`."""
        text = self.as_text(text)
        self.check_units(text, list(text), max_length, separator="")
        return text


__all__ = ["CharTokenizer", "PAD_ID", "UNKNOWN_ID", "START_ID", "END_ID"]