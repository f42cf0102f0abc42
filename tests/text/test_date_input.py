import pytest
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.date_input import DateInput, input_format

TEXTS = [
    "  March   4,  2021 ", "\tTue,\nMAR. 4th\r\n2021\x0b\x0c", "mAr 4 2021", "3/4/2021", "", "   ", " a ",
    "Ä É 4 März", "a\u00a0b", "A  B", "2021-03-04",
]  # fmt: skip


def test_python_and_graph_normalise_alike():
    reader = DateInput(day_first=False)
    graph = reader.normalize_graph(tf.constant(TEXTS)).numpy().tolist()
    assert [text.decode("utf-8") for text in graph] == [reader.normalize(text) for text in TEXTS]
    assert [reader.normalize(text) for text in TEXTS[:3]] == ["march 4, 2021", "tue, mar. 4th 2021", "mar 4 2021"]
    assert reader.normalize("Ä É 4 März") == "Ä É 4 märz"  # ASCII only: other letters are the vocabulary's business
    assert reader.normalize("a\u00a0b") == "a\u00a0b"  # and so is a no-break space
    assert reader.normalize("   ") == ""


def test_the_marks_say_the_reading_and_never_occur_in_normalised_text():
    month_first, day_first = input_format("date_month_first"), input_format("date_day_first")
    assert (month_first.mark, day_first.mark, month_first.day_first, day_first.day_first) == ("M", "D", False, True)
    assert all(mark not in month_first.normalize("MD March 4 DM") for mark in "MD")
    plain = input_format(None)
    assert plain.mark == "" and plain.normalize("  A ") == "  A "
    with pytest.raises(InputError, match="unknown input_format 'dates'"):
        input_format("dates")
