"""A word-piece tokenizer: lowercase words and punctuation marks, rare words cut into pieces.

TensorFlow Text's `FastBertTokenizer` does the work, one graph op each way
(BERT's normalisation: lowercase, accents stripped; split on whitespace and
punctuation; the longest word pieces first), so it runs eagerly, inside a
`tf.function` and in an exported SavedModel that a stock TF Serving runs.
TF Text's `bert_vocab_from_dataset` learns the vocabulary from a corpus, with
the same BERT word splitting. (keras-hub's `compute_word_piece_vocabulary` runs
the same learner but keeps its minimum count of 10, which leaves a corpus of a
thousand pairs little more than letters; and keras-hub's `WordPieceTokenizer`
layer tokenizes in Python when called eagerly and in TF inside graphs, where
`generate` and an exported model must split alike.)

It offers what `CharTokenizer` offers (the same special ids, `tokenize`,
`detokenize`, `encode`, `decode`, `check`), so every model of the library
takes either. Like `CharTokenizer` it is a `tf.Module`, not a Keras layer: a
model that owned a string layer would lose XLA.

Unknown words are not an error: a word with a character the corpus never had
(an emoji, a letter of another script) becomes the unknown id, and the model
answers the rest of the message as best it can (`unknown_is_error` is False, so
`check` and exported models accept them). A message longer than the model's
limit, or with no word at all, is an error naming the problem.
"""

import keras
import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_text.python.ops.bert_tokenizer import BasicTokenizer  # BERT's word splitting, as the learner's
from tensorflow_text.tools.wordpiece_vocab.bert_vocab_from_dataset import bert_vocab_from_dataset

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.special_tokens import SPECIAL_TOKENS, UNKNOWN_ID
from keras_seq2seq.text.tokenizer import Tokenizer

SUFFIX_INDICATOR = "##"  # "playing" -> "play", "##ing"
# Detokenized text has a space on both sides of every punctuation mark ("i ' m fine , thanks .");
# these put the marks back against their words ("i'm fine, thanks.").
_PUNCTUATION_JOINS = [
    (r" ([.,!?;:%)\]}])", r"\1"),
    (r"([(\[{$]) ", r"\1"),
    (r"(\w) ' (s|m|t|d|ll|re|ve)\b", r"\1'\2"),
]


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class WordPieceTokenizer(Tokenizer):
    """Maps lowercase words, word pieces and punctuation marks to ids; ids 0-3 are padding, unknown, start and end.

    Example:
    >>> tok = WordPieceTokenizer(vocabulary=["!", ",", "?", "are", "how", "hi", "you", "h", "##ey"])
    >>> tok.encode(["Hi, how are YOU?", "Hey!"], length=6).tolist()
    [[9, 5, 8, 7, 10, 6], [11, 12, 4, 0, 0, 0]]
    >>> tok.decode(tok.encode(["Hi, how are YOU?", "Hey 🦜!"], length=6))
    ['hi, how are you?', 'hey!']
    >>> tok.normalize(["Hi, how are YOU?"])
    ['hi , how are you ?']
    """

    unit = "token"  # what lengths count, in error messages
    unknown_is_error = False

    def __init__(self, vocabulary, name="word_piece_tokenizer"):
        super().__init__(name=name)
        self.vocabulary = [str(token) for token in vocabulary]
        _check_vocabulary(self.vocabulary)
        self._tokenizer = tf_text.FastBertTokenizer(
            SPECIAL_TOKENS + self.vocabulary,
            suffix_indicator=SUFFIX_INDICATOR,
            unknown_token=SPECIAL_TOKENS[UNKNOWN_ID],
            token_out_type=tf.int32,
            lower_case_nfd_strip_accents=True,
            support_detokenization=True,
        )

    @classmethod
    def from_texts(cls, texts, vocabulary_size=4000, min_count=2):
        """Learns a vocabulary of at most `vocabulary_size` ids (special ids included) from `texts`.

        A word piece needs `min_count` occurrences to get an id (TF Text's learner defaults
        to 10, meant for large corpora: a small corpus would keep little more than letters).
        """
        texts = list(texts)
        if not texts:
            raise InputError("no texts to learn a word-piece vocabulary from")
        vocabulary = bert_vocab_from_dataset(
            tf.data.Dataset.from_tensor_slices(tf.constant(texts, tf.string)).batch(1024),
            vocabulary_size,
            reserved_tokens=SPECIAL_TOKENS,
            bert_tokenizer_params={"lower_case": True},  # as FastBertTokenizer's lower_case_nfd_strip_accents
            learn_params={"lower_thresh": min_count, "joiner": SUFFIX_INDICATOR},
        )
        return cls(vocabulary=vocabulary[len(SPECIAL_TOKENS) :])

    def tokenize(self, texts):
        """`tf.string` tensor of shape `[batch]` to a ragged `int32` tensor of ids; unknown words get id 1."""
        return self._tokenizer.tokenize(texts)

    def detokenize(self, ids):
        """Dense ids `[batch, steps]` to strings: stops at the end id and drops special ids.

        Words are lowercase, one space apart, with punctuation marks against them ("i'm fine, thanks.").
        """
        ids = tf.cast(tf.convert_to_tensor(ids), tf.int32)
        text = self._tokenizer.detokenize(tf.ragged.boolean_mask(ids, self.answer_mask(ids)))
        for pattern, rewrite in _PUNCTUATION_JOINS:
            text = tf.strings.regex_replace(text, pattern, rewrite)
        return text

    def normalize(self, texts):
        """`texts` as answers are compared: lowercase words and punctuation marks, one space apart.

        `evaluate` compares `normalize(answer)` with `normalize(target)` (exact match and BLEU),
        so that "Hi, I'm fine." and the model's "hi, i'm fine." count as the same answer.
        """
        words = BasicTokenizer(lower_case=True).tokenize(tf.constant(list(texts), tf.string))
        return [text.decode("utf-8") for text in tf.strings.reduce_join(words, axis=-1, separator=" ").numpy()]

    def check(self, text, max_length):
        """Raises `InputError` naming the problem if the model cannot take `text`; unknown words are fine."""
        text = self.as_text(text)
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates, e.g. bytes that were not UTF-8 read with surrogateescape
            raise InputError(f"{text[:40]!r} holds bytes that are not UTF-8") from None
        length = int(self.tokenize(tf.constant([encoded])).row_lengths()[0])
        if length == 0:
            raise InputError("the input is empty: give at least one word")
        if length > max_length:
            raise InputError(
                f"{text[:40]!r}{'...' if len(text) > 40 else ''} has {length} tokens (words, word pieces "
                f"and punctuation marks); this model accepts at most {max_length}"
            )
        return text


def _check_vocabulary(vocabulary):
    if len(set(vocabulary)) != len(vocabulary):
        raise InputError("the tokenizer vocabulary has duplicate tokens")
    bad = [token for token in vocabulary if not token or any(c.isspace() for c in token) or token in SPECIAL_TOKENS]
    if bad:
        raise InputError(f"the vocabulary must hold non-blank tokens without spaces, not special ones; got {bad[:5]}")


__all__ = ["WordPieceTokenizer"]
