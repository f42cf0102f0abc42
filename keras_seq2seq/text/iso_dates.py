"""The check after decoding of a date model: every answer is a calendar date `YYYY-MM-DD`, or an error.

A model whose `output_check` is `"iso_date"` never returns an impossible date
(month 13, February 30, February 29 of a year that is not a leap year, anything
not written `YYYY-MM-DD`): `generate` raises `InputError` naming the input, and
the exported SavedModel fails the request with INVALID_ARGUMENT and the same
words, with stock TensorFlow ops only (a stock TF Serving runs it). The date
model answers `-` to a text that is not a date, so that text fails the same way.

Two versions of one rule: `is_iso_date` in Python, `iso_date_mask` in the graph
(regular expression, substrings, numbers; the Gregorian leap years of
`datetime`). Years 0001-9999, as `datetime.date`.
"""

import datetime
import re

import tensorflow as tf

from keras_seq2seq.errors import InputError

_ISO_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# Texts are quoted with backticks: TensorFlow escapes quotation marks in an assertion's message.
_MESSAGE = "`{source}` is not a date this model can read: it answered `{answer}`, not a calendar date YYYY-MM-DD"


def _escaped(text):
    """`text` on one line, escaped as `repr` escapes it (TensorFlow escapes alike)."""
    return repr(text)[1:-1]


def is_iso_date(text):
    """True if `text` is a calendar date written `YYYY-MM-DD`.

    Example:
    >>> [is_iso_date(text) for text in ("2020-02-29", "2021-02-29", "2021-13-01", "2021-3-4", "-")]
    [True, False, False, False, False]
    """
    if not re.fullmatch(_ISO_DATE, text):
        return False
    try:
        datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return False
    return True


def check_iso_dates(sources, answers):
    """Returns `answers`; `InputError` naming the first source whose answer is not `is_iso_date`.

    Example:
    >>> check_iso_dates(["March 4, 2021"], ["2021-03-04"])
    ['2021-03-04']
    >>> check_iso_dates(["February 30, 2021"], ["2021-02-30"])
    Traceback (most recent call last):
    ...
    keras_seq2seq.errors.InputError: `February 30, 2021` is not a date this model can read: it answered `2021-02-30`, not a calendar date YYYY-MM-DD
    """
    for source, answer in zip(sources, answers):
        if not is_iso_date(answer):
            raise InputError(_MESSAGE.format(source=_escaped(source), answer=_escaped(answer)))
    return answers


def iso_date_mask(texts):
    """The graph version of `is_iso_date`: a `tf.bool` tensor of the shape of the `tf.string` `texts`.

    Example:
    >>> iso_date_mask(tf.constant(["2020-02-29", "2021-02-29", "2021-00-10", "hello"])).numpy().tolist()
    [True, False, False, False]
    """
    shaped = tf.strings.regex_full_match(texts, _ISO_DATE)
    texts = tf.where(shaped, texts, "0001-01-01")  # every text parses; the misshapen are masked out below

    def number(position, length):
        return tf.strings.to_number(tf.strings.substr(texts, position, length), tf.int32)

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = tf.gather(_DAYS_IN_MONTH, tf.clip_by_value(month - 1, 0, 11)) + tf.cast((month == 2) & leap, tf.int32)
    return shaped & (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)


def check_iso_dates_graph(sources, answers):
    """The graph version of `check_iso_dates`: `answers`, once every one is a calendar date.

    Fails with `InvalidArgumentError` ("assertion failed: [...]") naming the
    first source whose answer is not; in a SavedModel, TF Serving returns that
    as INVALID_ARGUMENT.
    """
    valid = iso_date_mask(answers)
    bad = tf.logical_not(valid)
    first_source = tf.strings.reduce_join(tf.boolean_mask(sources, bad)[:1])
    first_answer = tf.strings.reduce_join(tf.boolean_mask(answers, bad)[:1])
    head, tail = _MESSAGE.split("{source}")
    middle, end = tail.split("{answer}")
    message = tf.strings.join([head, first_source, middle, first_answer, end])
    check = tf.debugging.Assert(tf.reduce_all(valid), [message], summarize=1)
    with tf.control_dependencies([check]):
        return tf.identity(answers)


class NoCheck:
    """Answers as they are: the check of models without `output_check`."""

    def check(self, sources, answers):
        return answers

    def check_graph(self, sources, answers):
        return answers


class IsoDateCheck(NoCheck):
    """`check_iso_dates` and `check_iso_dates_graph`, the check of `output_check="iso_date"`."""

    check = staticmethod(check_iso_dates)
    check_graph = staticmethod(check_iso_dates_graph)


OUTPUT_CHECKS = {None: NoCheck(), "iso_date": IsoDateCheck()}


def output_check(name):
    """The check `OUTPUT_CHECKS` names; `InputError` for an unknown name.

    Example:
    >>> output_check("iso_date").check(["4 Mar 21"], ["2021-03-04"])
    ['2021-03-04']
    """
    if name not in OUTPUT_CHECKS:
        raise InputError(f"unknown output_check {name!r} (known: None, 'iso_date')")
    return OUTPUT_CHECKS[name]
