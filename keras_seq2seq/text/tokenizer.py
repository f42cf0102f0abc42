"""`Tokenizer`: what every tokenizer shares, the NumPy side of `tokenize` and `detokenize`."""

import keras
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.special_tokens import END_ID, PAD_ID, SPECIAL_TOKENS, START_ID, UNKNOWN_ID


class Tokenizer(tf.Module):
    """Base of `CharTokenizer` and `WordPieceTokenizer`; subclasses implement `tokenize` and `detokenize`
    and keep their constructor's `vocabulary` (and `name`) as attributes.

    A `tf.Module`, not a Keras layer: a string layer inside a model turns XLA off.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> tokenizer = CharTokenizer(list("ab"))
    >>> tokenizer.encode(["ab", "b"], 4, add_end=True).tolist()
    [[4, 5, 3, 0], [5, 3, 0, 0]]
    >>> tokenizer.decode([[4, 5, 3, 0], [5, 3, 0, 0]])
    ['ab', 'b']
    """

    @property
    def vocabulary_size(self):
        """Number of ids, the four special ids included."""
        return len(self.vocabulary) + len(SPECIAL_TOKENS)

    def _build_lookups(self):
        """Keras `StringLookup` layers from tokens to ids (`_to_id`) and back (`_to_token`), ids as `SPECIAL_TOKENS`
        then `self.vocabulary`, and the set `_known` of the vocabulary's tokens."""
        tokens = SPECIAL_TOKENS[START_ID:] + self.vocabulary
        special = dict(mask_token=SPECIAL_TOKENS[PAD_ID], oov_token=SPECIAL_TOKENS[UNKNOWN_ID])
        self._to_id = keras.layers.StringLookup(vocabulary=tokens, **special)
        self._to_token = keras.layers.StringLookup(vocabulary=tokens, invert=True, **special)
        self._known = set(self.vocabulary)

    @staticmethod
    def answer_mask(ids):
        """True where `ids` (`[batch, steps]`) hold an answer's token: before the first end id, not a special id."""
        before_end = tf.math.cumsum(tf.cast(ids == END_ID, tf.int32), axis=-1, exclusive=True) == 0
        return before_end & (ids >= len(SPECIAL_TOKENS))

    def encode(self, texts, length, add_start=False, add_end=False):
        """Strings to a right-padded `int32` NumPy array `[len(texts), length]`."""
        ids = self.tokenize(tf.constant(list(texts), dtype=tf.string))
        if add_start:
            ids = tf.concat([tf.fill([ids.nrows(), 1], START_ID), ids], axis=1)
        if add_end:
            ids = tf.concat([ids, tf.fill([ids.nrows(), 1], END_ID)], axis=1)
        return ids.to_tensor(default_value=PAD_ID, shape=[None, length]).numpy()

    def pieces(self, text):
        """The tokens of `text` as strings, one per id the model reads: characters, symbols or word pieces.

        Example:
        >>> from keras_seq2seq.text import CharTokenizer
        >>> CharTokenizer(list("ab")).pieces("abz")
        ['a', 'b', '[UNK]']
        """
        tokens = SPECIAL_TOKENS + list(self.vocabulary)
        return [tokens[i] for i in self.tokenize(tf.constant([text], tf.string))[0].numpy()]

    def decode(self, ids):
        """Ids `[batch, steps]` to a list of Python strings."""
        return [text.decode("utf-8") for text in self.detokenize(ids).numpy()]

    @staticmethod
    def as_text(text):
        """`text` as a `str` (bytes decoded as UTF-8); `InputError` for bytes that are not UTF-8 or a non-string."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(f"{text[:40]!r} is not valid UTF-8 ({error.reason})") from None
        if not isinstance(text, str):
            raise InputError(f"expected a string, got {type(text).__name__}: {text!r:.40}")
        return text

    def check_units(self, text, units, max_length, separator):
        """`InputError` naming `text` if its `units` (characters, symbols) are none, more than `max_length`,
        or outside the vocabulary (listed joined by `separator`)."""
        if not units:
            raise InputError(f"the input is empty: give at least one {self.unit}")
        if len(units) > max_length:
            raise InputError(
                f"{text[:40]!r}{'...' if len(text) > 40 else ''} has {len(units)} {self.unit}s; "
                f"this model accepts at most {max_length}"
            )
        unknown = sorted(set(units) - self._known)
        if unknown:
            raise InputError(
                f"{text[:40]!r}: {self.unit}{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown[:10]))} "
                f"not in the vocabulary ({separator.join(self.vocabulary)[:200]!r})"
            )

    def get_config(self):
        """The constructor's arguments: a name and the vocabulary (saved with presets)."""
        return {"name": self.name, "vocabulary": self.vocabulary}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
