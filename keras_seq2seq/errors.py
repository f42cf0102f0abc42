"""Errors that name the problem and the input, for users of the library and of the command line.

The command line prints these as one line and exits non-zero, with no traceback.
"""


class Seq2SeqError(ValueError):
    """Base class: a problem with what the user gave us, not a bug in the library."""


class InputError(Seq2SeqError):
    """A text, a file line or an array that the model cannot take, e.g. an unknown character."""


class PresetError(Seq2SeqError):
    """A preset that is missing, incomplete or corrupt."""


class RecipeError(Seq2SeqError):
    """A training recipe with an unknown key, a wrong type or a missing value."""
