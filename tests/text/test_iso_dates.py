import datetime
import random

import pytest
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.iso_dates import (
    check_iso_dates,
    check_iso_dates_graph,
    is_iso_date,
    iso_date_mask,
    output_check,
)

IMPOSSIBLE = [
    "2021-13-01", "2021-00-10", "2021-02-29", "1900-02-29", "2021-02-30", "2021-04-31", "2021-06-31",
    "2021-09-31", "2021-11-31", "2021-01-32", "2021-01-00", "0000-01-01", "2021-3-4", "20210304",
    "2021/03/04", " 2021-03-04", "2021-03-04 ", "2021-03-041", "-", "", "hello", "２０２１-03-04", "2021-0a-04",
]  # fmt: skip
POSSIBLE = ["2020-02-29", "2000-02-29", "1600-02-29", "2021-02-28", "2021-12-31", "1000-01-01", "2999-12-31", "0001-01-01"]


def test_python_and_graph_agree_with_datetime_on_every_day_of_four_hundred_years():
    # The Gregorian calendar repeats every 400 years: every month length and leap rule is here.
    day, texts = datetime.date(1800, 1, 1), []
    while day.year < 2200:
        texts.append(day.isoformat())
        day += datetime.timedelta(1)
    texts += [f"{y}-{m:02d}-{d:02d}" for y in (1900, 2000, 2021, 2024) for m in range(14) for d in (0, 29, 30, 31, 32)]
    expected = []
    for text in texts:
        try:
            expected.append(bool(datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))))
        except ValueError:
            expected.append(False)
    assert [is_iso_date(text) for text in texts] == expected
    assert iso_date_mask(tf.constant(texts)).numpy().tolist() == expected
    assert 146097 < sum(expected) < len(texts)  # 400 years of days, and some of the extras are not dates


def test_impossible_and_misshapen_answers_fail_both_ways():
    assert not any(is_iso_date(text) for text in IMPOSSIBLE)
    assert all(is_iso_date(text) for text in POSSIBLE)
    assert iso_date_mask(tf.constant(IMPOSSIBLE + POSSIBLE)).numpy().tolist() == [False] * len(IMPOSSIBLE) + [True] * 8


def test_random_strings_of_date_characters_agree():
    rng = random.Random(0)
    texts = ["".join(rng.choices("0123456789-", k=10)) for _ in range(3000)]
    texts += [f"{rng.randint(0, 9999):04d}-{rng.randint(0, 19):02d}-{rng.randint(0, 39):02d}" for _ in range(3000)]
    assert iso_date_mask(tf.constant(texts)).numpy().tolist() == [is_iso_date(text) for text in texts]


def test_the_python_check_names_the_first_bad_input():
    assert check_iso_dates(["March 4, 2021", "4 Mar 21"], ["2021-03-04", "2021-03-04"]) == ["2021-03-04"] * 2
    with pytest.raises(InputError) as error:
        check_iso_dates(["March 4, 2021", "February 30, 2021", "hello"], ["2021-03-04", "2021-02-30", "-"])
    assert str(error.value) == (
        "`February 30, 2021` is not a date this model can read: it answered `2021-02-30`, not a calendar date YYYY-MM-DD"
    )


def test_the_graph_check_passes_dates_through_and_fails_with_the_same_message():
    check = tf.function(check_iso_dates_graph)
    answers = tf.constant(["2021-03-04", "1999-12-31"])
    assert check(tf.constant(["a", "b"]), answers).numpy().tolist() == [b"2021-03-04", b"1999-12-31"]
    assert check(tf.constant([], tf.string), tf.constant([], tf.string)).shape == (0,)
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        check(tf.constant(["March 4, 2021", "hello\tyou", "13/13/2021"]), tf.constant(["2021-03-04", "-", "2021-13-13"]))
    python_message = "`hello\\tyou` is not a date this model can read: it answered `-`, not a calendar date YYYY-MM-DD"
    assert f"assertion failed: [{python_message}]" in error.value.message
    with pytest.raises(InputError) as error:
        check_iso_dates(["hello\tyou"], ["-"])
    assert str(error.value) == python_message


def test_output_checks_by_name():
    assert output_check(None).check(["x"], ["not a date"]) == ["not a date"]
    assert output_check("iso_date").check(["x"], ["2021-03-04"]) == ["2021-03-04"]
    with pytest.raises(InputError, match="unknown output_check 'iso'"):
        output_check("iso")
