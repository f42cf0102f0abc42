"""How a model reads its input: as typed, or spaces and case normalised (and a date's reading mark).

A model whose `input_format` is `"lowercase"` (the `g2p` preset: `Hello` is
read as `hello`), `"date_month_first"` or `"date_day_first"` does not see the
text as typed. `generate` and the exported SavedModel both

1. normalise it: every run of whitespace (space, tab, newline, vertical tab,
   form feed, carriage return) becomes one space, a leading and a trailing space
   are dropped, and A-Z become a-z (other characters are kept as they are);
2. (a date model) put a mark in front that says how to read an ambiguous numeric date such as
   `3/4/2021`: `M` (month first, US usage: 4 March) or `D` (day first: 3 April).
   After step 1 a text has no capital letter, so a mark can never be mistaken
   for something the user typed.

The Python and the graph versions agree character for character (both touch
ASCII only): the model never sees runs of spaces, so it needs no capacity for
them, and its length limit counts the normalised text. `None` leaves texts as
they are, for every other model.
"""

import re

import tensorflow as tf

from keras_seq2seq.errors import InputError

MONTH_FIRST_MARK = "M"
DAY_FIRST_MARK = "D"
# The ASCII whitespace of both Python's `re` and TensorFlow's RE2.
_WHITESPACE = r"[ \t\n\v\f\r]+"
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class PlainInput:
    """Texts as they are: no normalisation, no mark."""

    mark = ""
    examples = ()  # texts the model surely reads, e.g. for warm-up requests (none in general)

    def normalize(self, text):
        return text

    def normalize_graph(self, texts):
        return texts


class LowercaseInput(PlainInput):
    """Normalised spaces and case (step 1 of the module docstring), no mark.

    Example:
    >>> LowercaseInput().normalize("  Tue,  MARCH 4th\\t2021 ")
    'tue, march 4th 2021'
    >>> LowercaseInput().normalize_graph(tf.constant([" Hello  "])).numpy().tolist()
    [b'hello']
    """

    def normalize(self, text):
        return re.sub(_WHITESPACE, " ", text).strip(" ").translate(_LOWER)

    def normalize_graph(self, texts):
        texts = tf.strings.regex_replace(texts, _WHITESPACE, " ")
        texts = tf.strings.regex_replace(texts, "^ | $", "")
        return tf.strings.lower(texts)  # ASCII only, as `_LOWER`


class DateInput(LowercaseInput):
    """Normalised spaces and case, and the mark of the reading order (see the module docstring).

    Example:
    >>> DateInput(day_first=True).mark
    'D'
    >>> DateInput(day_first=False).normalize_graph(tf.constant([" 3/4/2021  "])).numpy().tolist()
    [b'3/4/2021']
    """

    examples = ("Thursday, March 4th, 2021", "2021-03-04")

    def __init__(self, day_first):
        self.day_first = day_first
        self.mark = DAY_FIRST_MARK if day_first else MONTH_FIRST_MARK


INPUT_FORMATS = {
    None: PlainInput(),
    "lowercase": LowercaseInput(),
    "date_month_first": DateInput(day_first=False),
    "date_day_first": DateInput(day_first=True),
}


def input_format(name):
    """The reader `INPUT_FORMATS` names; `InputError` for an unknown name.

    Example:
    >>> input_format("date_day_first").mark
    'D'
    """
    if name not in INPUT_FORMATS:
        known = ", ".join(repr(known) for known in INPUT_FORMATS if known)
        raise InputError(f"unknown input_format {name!r} (known: None, {known})")
    return INPUT_FORMATS[name]
