import contextlib
import datetime
import io
import re
from collections import Counter

import pytest
from dateutil import parser as dateutil_parser

from keras_seq2seq.cli import main
from keras_seq2seq.data import date_pairs, dates, load_pairs
from keras_seq2seq.errors import RecipeError
from keras_seq2seq.text.date_input import DateInput
from keras_seq2seq.training import load_data

# === An independent reader: python-dateutil, with our documented rules on top ===
# dateutil reads every format of the generator. Where its rules differ from ours we
# apply ours: a year written first is always followed by the month (dateutil's
# dayfirst also swaps those), and two-digit years follow POSIX `strptime("%y")`
# (dateutil keeps them within 50 years of today).


def posix_year(yy):
    return datetime.datetime.strptime(f"{yy:02d}", "%y").year


def _spaced(text):
    """`text` with a space between numbers and names, and after commas: "march4,2021" -> "march 4, 2021"."""
    return re.sub(r"(?<=[a-z,])(?=\d)|(?<=\d)(?=[a-z])", " ", text)


def read(source, format_name, day_first):
    """The date an independent reader sees in `source`, as `YYYY-MM-DD`."""
    text = _spaced(source.lower())
    year_first = re.match(r"\s*(?:[a-z]+\.?\s*,?\s*)?\d{4}", text) is not None
    default = datetime.datetime(1, 1, 1)
    date = dateutil_parser.parse(text, dayfirst=day_first and not year_first, fuzzy=True, default=default).date()
    if format_name.endswith("yy") and not format_name.endswith("yyyy"):
        date = date.replace(year=posix_year(date.year % 100))
    return date.isoformat()


@pytest.fixture(scope="module")
def samples():
    return dates.date_examples(6000, seed=11)


def _numbers(source):
    return [int(number) for number in re.findall(r"\d+", source)]


# === The examples ===


def test_deterministic_for_a_seed():
    assert dates.date_examples(50, seed=7) == dates.date_examples(50, seed=7)
    assert dates.date_examples(50, seed=7) != dates.date_examples(50, seed=8)
    assert dates.training_pairs(50, seed=7, split="held_out") == dates.training_pairs(50, seed=7, split="held_out")
    assert date_pairs(20, seed=3, day_first=True) == dates.date_examples(20, seed=3, day_first=True)[:2]


@pytest.mark.parametrize("split", ["train", "held_out"])
@pytest.mark.parametrize("day_first", [False, True])
def test_targets_are_the_dates_an_independent_reader_sees(split, day_first):
    sources, targets, formats = dates.date_examples(3000, seed=3, split=split, day_first=day_first)
    for source, target, format_name in zip(sources, targets, formats):
        date = datetime.date.fromisoformat(target)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", target) and 1000 <= date.year <= 2999
        assert read(source, format_name, day_first) == target, (source, format_name)


def test_every_format_and_style_appears(samples):
    sources, targets, formats = samples
    counts = Counter(formats)
    assert set(counts) == set(dates.FORMATS) and min(counts.values()) > 6000 / len(dates.FORMATS) / 2
    words = {word for source in sources for word in re.findall("[a-z]+", source.lower())}
    for names in (dates.MONTHS, dates.MONTH_ABBREVIATIONS, dates.WEEKDAYS, dates.WEEKDAY_ABBREVIATIONS):
        assert {name.lower() for name in names} <= words
    assert {"sept", "tues", "thurs", "the", "of", "st", "nd", "rd", "th"} <= words
    named = [source for source in sources if re.search("[A-Za-z]", source)]
    assert any(s == s.lower() for s in named) and any(s == s.upper() for s in named)
    assert any(s not in (s.lower(), s.upper()) for s in named)

    def share(pattern):
        return sum(re.search(pattern, source) is not None for source in sources) / len(sources)

    assert share(r"[a-z]\. ") > 0.02  # "mar. 4"
    assert share(r"\b0\d") > 0.1  # leading zeros
    assert share(r"^ |  | $") > 0.05  # extra spaces
    assert share(r"[A-Za-z]\d|\d[A-Za-z]{3}|,\S") > 0.02  # missing spaces, past an ordinal's suffix
    assert share(r" ,") > 0.02 and share(r"^[A-Za-z]+\.?,? \S") > 0.15  # spaced commas, weekdays
    years = [int(target[:4]) for target in targets]
    assert min(years) < 1100 and max(years) > 2900


def test_issue_examples_are_within_reach():
    # Each text of issue 12 that the old model got wrong, as the generator writes it.
    Style = dates.Style
    examples = [
        ("4 Mar 21", (2021, 3, 4), "d month yy", Style(month="short")),
        ("1984/09/25", (1984, 9, 25), "yyyy/m/d", Style(padded=True)),
        ("19840925", (1984, 9, 25), "yyyymmdd", Style()),
        ("2021-3-4", (2021, 3, 4), "yyyy-m-d", Style()),
        ("2021 March 4", (2021, 3, 4), "yyyy month d", Style()),
        ("31/12/2021", (2021, 31, 12), "m/d/yyyy", Style()),  # written day first
        ("December 31, 1949", (1949, 12, 31), "month d, yyyy", Style()),
        ("January 1, 2050", (2050, 1, 1), "month d, yyyy", Style()),
        ("mar. 4, 2021", (2021, 3, 4), "month d, yyyy", Style(month="short", period=True, case="lower")),
        ("04.03.2021", (2021, 4, 3), "m.d.yyyy", Style(padded=True)),
        ("the 4th of March, 2021", (2021, 3, 4), "the dth of month, yyyy", Style()),
        ("Tue, 4 Mar 2021", (2021, 3, 4), "d month yyyy", Style(month="short", weekday="short")),  # a wrong weekday
    ]
    for text, (year, month, day), format_name, style in examples:
        assert dates.render(year, month, day, 1, format_name, style) == text
    spaced = dates.render(2021, 3, 4, 0, "month d, yyyy", Style(extra_spaces=True), rng=_Widest())
    assert spaced == "  March   4,   2021  "  # the issue's "  March   4,  2021 " reads as it reads
    normalize = DateInput(day_first=False).normalize
    assert normalize("  March   4,  2021 ") == normalize(spaced) == "march 4, 2021"


class _Widest:
    """An `rng` stand-in whose `randint` always gives the top of the range."""

    def randint(self, low, high):
        return high


def test_ambiguous_dates_follow_the_reading_unless_only_one_order_is_a_date():
    for day_first in (False, True):
        sources, targets, formats = dates.date_examples(6000, seed=5, day_first=day_first)
        both_orders = written_day_first = 0
        for source, target, format_name in zip(sources, targets, formats):
            if not dates.is_ambiguous(format_name):
                continue
            first, second = _numbers(source)[:2]
            month, day = int(target[5:7]), int(target[8:])
            if first <= 12 and second <= 12:  # both orders give a date: the reading decides
                assert (first, second) == ((day, month) if day_first else (month, day)), source
                both_orders += first != second
            else:  # one order only, whatever the reading
                assert {first, second} == {month, day} and max(first, second) == day, source
                written_day_first += first == day
        assert both_orders > 300 and written_day_first > 100
    assert dates.is_ambiguous("m.d.yy") and not dates.is_ambiguous("yyyy/m/d") and not dates.is_ambiguous("d month yy")


def test_year_first_numbers_are_always_year_month_day():
    sources, targets, formats = dates.date_examples(3000, seed=6, day_first=True)
    year_first = [(s, t) for s, t, f in zip(sources, targets, formats) if f.startswith("yyyy") and "month" not in f]
    assert len(year_first) > 400
    for source, target in year_first:
        digits = "".join(f"{n:02d}" for n in _numbers(source)) if len(_numbers(source)) == 3 else str(_numbers(source)[0])
        assert digits == target.replace("-", ""), source


def test_two_digit_years_follow_the_posix_pivot(samples):
    sources, targets, formats = samples
    short = [(s, t) for s, t, f in zip(sources, targets, formats) if f.endswith(("/yy", "-yy", ".yy", " yy", ", yy"))]
    assert len(short) > 1000
    for source, target in short:
        assert int(target[:4]) == posix_year(_numbers(source)[-1]), source
    assert {target[:2] for _, target in short} == {"19", "20"}
    assert [dates.two_digit_year(yy) for yy in (0, 68, 69, 99)] == [2000, 2068, 1969, 1999]
    assert all(dates.two_digit_year(yy) == posix_year(yy) for yy in range(100))


def test_weekdays_are_right_or_wrong_and_never_change_the_date(samples):
    sources, targets, _ = samples
    names = {name.lower(): number for number, name in enumerate(dates.WEEKDAYS)}
    names |= {name.lower(): number for number, name in enumerate(dates.WEEKDAY_ABBREVIATIONS)}
    names |= {"tues": 1, "thurs": 3}
    right = wrong = 0
    for source, target in zip(sources, targets):
        match = re.match(r"\s*([a-z]+)\.?,?\s*\S", source.lower())
        if match and match[1] in names:
            same = names[match[1]] == datetime.date.fromisoformat(target).weekday()
            right, wrong = right + same, wrong + (not same)
    assert right > 300 and wrong > 300  # and the independent reader, which ignores weekdays, agrees on every date
    wrong_weekday = dates.render(2021, 3, 4, 0, "month d, yyyy", dates.Style(weekday="full"))
    assert wrong_weekday == "Monday, March 4, 2021" and read(wrong_weekday, "month d, yyyy", False) == "2021-03-04"


# === The split ===


def test_train_and_held_out_never_share_a_date_whatever_the_seeds():
    train = set(date_pairs(4000, seed=1)[1]) | set(date_pairs(4000, seed=2, day_first=True)[1])
    held_out = set(date_pairs(1000, seed=1, split="held_out")[1]) | set(date_pairs(1000, seed=3, split="held_out")[1])
    assert len(held_out) > 1500 and len(train) > 6000
    assert not train & held_out
    model_train = dates.training_pairs(3000, seed=1)[1]
    assert not set(model_train) & held_out


def test_held_out_is_a_fixed_tenth_of_dates():
    first = datetime.date(dates.FIRST_YEAR, 1, 1)
    days = [first + datetime.timedelta(n) for n in range((datetime.date(dates.LAST_YEAR, 12, 31) - first).days + 1)]
    share = sum(dates.is_held_out(day.year, day.month, day.day) for day in days) / len(days)
    assert 0.09 < share < 0.11
    # The hash is fixed: these dates are in the held-out split forever (as with the first date preset).
    assert dates.is_held_out(1950, 1, 14) and not dates.is_held_out(1984, 9, 25)


@pytest.mark.parametrize("count", [1, 7, 1000])
def test_count_is_exact(count):
    assert len(dates.date_examples(count, seed=0, split="held_out")[2]) == count
    assert len(dates.training_pairs(count, seed=0)[1]) == count


def test_zero_pairs_and_bad_split():
    assert date_pairs(0, seed=0) == ([], [])
    with pytest.raises(ValueError, match="split"):
        date_pairs(3, seed=0, split="test")


# === What the model trains on ===


def test_training_pairs_are_marked_normalised_sources():
    sources, targets = dates.training_pairs(10000, seed=9)
    marks = Counter(source[0] for source in sources)
    assert set(marks) == {"M", "D"} and min(marks.values()) > 4500
    for source, target in zip(sources, targets):
        text = source[1:]
        assert text == text.strip() and "  " not in text and text == text.lower(), source
        assert target == dates.NOT_A_DATE or datetime.date.fromisoformat(target), source
    non_dates = [source for source, target in zip(sources, targets) if target == dates.NOT_A_DATE]
    assert 0.03 < len(non_dates) / len(sources) < 0.07
    # Two kinds of impossible dates, checked by hand: numbers with the year last, and a month name and a day.
    numeric = [re.fullmatch(r"[MD](?:[a-z]+\.?,? ?)?(\d+)[/.-](\d+)[/.-](\d{4})", s) for s in non_dates]
    numeric = [m.groups() for m in numeric if m]
    named = [(re.findall(r"\d+", s), [w for w in re.findall("[a-z]+", s[1:]) if w[:3] in _MONTH_NUMBERS]) for s in non_dates]
    named = [(numbers, months[0][:3]) for numbers, months in named if sorted(map(len, numbers)) in ([1, 4], [2, 4]) and months]
    assert len(numeric) > 15 and len(named) > 15
    for first, second, year in numeric:  # neither order is a calendar date
        assert not _is_date(int(year), int(first), int(second)) and not _is_date(int(year), int(second), int(first))
    for numbers, month in named:
        year, day = sorted(numbers, key=len, reverse=True)
        assert not _is_date(int(year), _MONTH_NUMBERS[month], int(day)), (numbers, month)


_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(dates.MONTH_ABBREVIATIONS, 1)}


def _is_date(year, month, day):
    try:
        return bool(datetime.date(year, month, day))
    except ValueError:
        return False


def test_vocabulary_and_lengths_cover_every_source_exactly():
    sources, targets = dates.training_pairs(20000, seed=4)
    assert set("".join(sources + targets)) == set(dates.VOCABULARY)
    assert dates.VOCABULARY == sorted(set(dates.VOCABULARY))
    assert max(map(len, sources)) <= dates.MAX_SOURCE_LENGTH == 1 + len("wednesday , the 12th of september , 2001")
    assert {len(target) for target in targets} == {1, dates.MAX_TARGET_LENGTH}


def test_names_are_english_whatever_the_locale():
    import calendar

    # The module's own tables agree with `calendar` under the C locale the tests run in.
    assert list(dates.MONTHS) == calendar.month_name[1:]
    assert list(dates.MONTH_ABBREVIATIONS) == calendar.month_abbr[1:]
    assert list(dates.WEEKDAYS) == list(calendar.day_name)
    assert list(dates.WEEKDAY_ABBREVIATIONS) == list(calendar.day_abbr)


# === Where the task is used: recipes and the command line ===


def test_load_data_builds_the_date_task():
    data = {"task": "date", "train_size": 30, "validation_size": 10, "balance_digits": 0.0}
    train, validation, vocabulary, lengths = load_data(data, seed=5)
    assert train == dates.training_pairs(30, seed=5)
    assert validation == dates.training_pairs(10, seed=6, split="held_out")
    assert vocabulary == dates.VOCABULARY and lengths == (dates.MAX_SOURCE_LENGTH, 10)
    with pytest.raises(RecipeError, match="balance_digits"):
        load_data(dict(data, balance_digits=0.5), seed=5)
    with pytest.raises(RecipeError, match="known: addition, date"):
        load_data(dict(data, task="calendar"), seed=5)


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return code, out.getvalue(), err.getvalue()


def test_data_command_writes_date_pairs(tmp_path):
    output = tmp_path / "dates.tsv"
    code, out, err = _run(["data", "date", "--count", 40, "--seed", 4, "--split", "held_out", "--output", output])
    assert code == 0 and out == "" and err == ""
    assert load_pairs(output) == date_pairs(40, seed=4, split="held_out")
    code, out, _ = _run(["data", "date", "--count", 5, "--seed", 4, "--split", "train"])
    sources, targets = date_pairs(5, seed=4, split="train")
    assert code == 0 and out == "".join(f"{s}\t{t}\n" for s, t in zip(sources, targets))
