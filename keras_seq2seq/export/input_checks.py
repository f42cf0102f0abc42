"""The exported graph's checks of its input texts: one sentence naming the problem and the first input that has it.

The checks are graph ops (`tf.debugging.Assert`), so a stock TF Serving answers
INVALID_ARGUMENT with the same sentence as the embedded server, e.g.
`assertion failed: [input 3 “héllo” has characters outside the vocabulary: “é”]`
(the `assertion failed: [...]` frame is the Assert op's own). Inputs are counted
from 0, as in the request; a long input is shown cut to `SHOWN_CHARACTERS`.
The sentence is built only when a check fails (in a `tf.cond` branch), so good
requests pay for the checks alone. A text is checked for its length in bytes
before it is decoded, so a 10 MB text costs a length, not a tokenization.
"""

import tensorflow as tf

from keras_seq2seq.text.special_tokens import UNKNOWN_ID

SHOWN_CHARACTERS = 40
# A word-piece token is at least one byte, but spaces between tokens are free: a message
# of `limit` tokens may have at most this many bytes per token (runs of spaces included).
MAX_BYTES_PER_TOKEN = 64
UTF8_MAX_BYTES = 4  # per character


def checked_ids(text, tokenizer, limit):
    """`tokenizer.tokenize(text)` (ragged ids), with every input checked first; see the module docstring.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> tokenizer = CharTokenizer(list("0123456789+"))
    >>> checked = tf.function(lambda text: checked_ids(text, tokenizer, 5).to_tensor())
    >>> checked(tf.constant(["1+2"])).numpy().tolist()
    [[5, 14, 6]]
    >>> checked(tf.constant(["1+2", "1+é"]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tensorflow.python.framework.errors_impl.InvalidArgumentError: ...input 1 “1+é” has characters outside the vocabulary: “é”...
    """
    unit = tokenizer.unit  # "character" or "token"
    max_bytes = limit * (UTF8_MAX_BYTES if unit == "character" else MAX_BYTES_PER_TOKEN)
    nbytes = tf.strings.length(text)
    short_enough = require(
        nbytes <= max_bytes,
        lambda row: _sentence(row, text, [f" is longer than {limit} {unit}s (",
                                          tf.strings.as_string(nbytes[row]), " bytes)"]),
    )
    with tf.control_dependencies([short_enough]):  # nothing is decoded before the length in bytes is checked
        valid = _is_utf8(text)
    with tf.control_dependencies([require(valid, lambda row: _sentence(row, text, " is not valid UTF-8"))]):
        ids = tokenizer.tokenize(text)
    lengths = ids.row_lengths()
    checks = [
        require(lengths > 0, lambda row: _sentence(row, text, f" is empty: give at least one {unit}")),
        require(
            lengths <= tf.cast(limit, lengths.dtype),
            lambda row: _sentence(row, text, [f" is longer than {limit} {unit}s (it has ",
                                              tf.strings.as_string(lengths[row]), ")"]),
        ),
    ]
    if tokenizer.unknown_is_error:  # characters: each id is one character of the text
        known = tf.reduce_all(tf.ragged.map_flat_values(tf.not_equal, ids, UNKNOWN_ID), axis=1)
        checks.append(require(known, lambda row: _sentence(row, text, [
            " has characters outside the vocabulary: ", _unknown_characters(text[row], ids[row])])))
    with tf.control_dependencies(checks):
        return ids.with_flat_values(tf.identity(ids.flat_values))


def require(ok, sentence):
    """An op that fails the request with `sentence(first failing row)` unless every element of `ok` holds.

    `sentence` builds a scalar string tensor; it runs only when a check fails.
    """

    def fail():
        row = tf.argmin(tf.cast(ok, tf.int32), output_type=tf.int32)
        with tf.control_dependencies([tf.debugging.Assert(False, [sentence(row)], summarize=1)]):
            return tf.constant(False)

    return tf.cond(tf.reduce_all(ok), lambda: tf.constant(True), fail)


def _sentence(row, text, rest):
    """“input ROW “TEXT” REST”, with the text cut to SHOWN_CHARACTERS and bytes that are not UTF-8 replaced."""
    shown = tf.strings.unicode_transcode(text[row], "UTF-8", "UTF-8", errors="replace")
    cut = tf.strings.substr(shown, 0, SHOWN_CHARACTERS, unit="UTF8_CHAR")
    ellipsis = tf.where(tf.strings.length(cut) < tf.strings.length(shown), "…", "")
    parts = ["input ", tf.strings.as_string(row), " “", cut, ellipsis, "”"]
    return tf.strings.join(parts + (rest if isinstance(rest, list) else [rest]))


def _is_utf8(text):
    """Whether each text is valid UTF-8 (decoding with "ignore" and with "replace" gives as many characters)."""
    return tf.equal(
        tf.strings.unicode_decode(text, "UTF-8", errors="ignore").row_lengths(),
        tf.strings.unicode_decode(text, "UTF-8", errors="replace").row_lengths(),
    )


def _unknown_characters(text, ids):
    """“é”, “ü”: the distinct characters of `text` whose id is unknown, in order of appearance."""
    characters = tf.strings.unicode_split(text, "UTF-8")
    unknown, _ = tf.unique(tf.boolean_mask(characters, tf.equal(ids, UNKNOWN_ID)))
    return tf.strings.reduce_join(tf.strings.join(["“", unknown, "”"]), separator=", ")
