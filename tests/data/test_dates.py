import calendar
import contextlib
import datetime
import io
import re
from collections import Counter

import pytest

from keras_seq2seq.cli import main
from keras_seq2seq.data import date_pairs, dates, load_pairs
from keras_seq2seq.errors import RecipeError
from keras_seq2seq.training import load_data

# === An independent parser: regular expressions and the `calendar` module's names ===

_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NUMBERS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NUMBERS["sept"] = 9
_WEEKDAY_NUMBERS = {name.lower(): n for names in (calendar.day_name, calendar.day_abbr) for n, name in enumerate(names)}

_WEEKDAY = r"(?P<weekday>[a-z]+), "
_MONTH_D = r"(?P<month>[a-z]+) (?P<day>\d{1,2}), (?P<year>\d{4})"
_MONTH_DTH = r"(?P<month>[a-z]+) (?P<day>\d{1,2})(?P<suffix>st|nd|rd|th), (?P<year>\d{4})"
_D_MONTH = r"(?P<day>\d{1,2}) (?P<month>[a-z]+) (?P<year>\d{4})"
PATTERNS = {
    "month_d_yyyy": _MONTH_D,
    "month_dth_yyyy": _MONTH_DTH,
    "d_month_yyyy": _D_MONTH,
    "weekday_month_d_yyyy": _WEEKDAY + _MONTH_D,
    "weekday_month_dth_yyyy": _WEEKDAY + _MONTH_DTH,
    "weekday_d_month_yyyy": _WEEKDAY + _D_MONTH,
    "m_d_yy": r"(?P<month>[1-9]|1[0-2])/(?P<day>[1-9]|[12]\d|3[01])/(?P<yy>\d{2})",
    "m_d_yyyy": r"(?P<month>[1-9]|1[0-2])/(?P<day>[1-9]|[12]\d|3[01])/(?P<year>\d{4})",
    "iso": r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})",
}
SUFFIXES = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def pivot(yy):
    return 2000 + yy if yy < 50 else 1900 + yy


def parse(source):
    """`(format name, date)` for a source, checking its weekday, suffix and case on the way."""
    assert source in (source.lower(), source.upper()) or source == _title_case(source), source
    text = source.lower()
    matches = [(name, re.fullmatch(pattern, text)) for name, pattern in PATTERNS.items()]
    matches = [(name, match) for name, match in matches if match]
    assert len(matches) == 1, (source, matches)
    name, match = matches[0]
    fields = match.groupdict()
    month = int(fields["month"]) if fields["month"].isdigit() else _MONTH_NUMBERS[fields["month"]]
    year = pivot(int(fields["yy"])) if fields.get("yy") else int(fields["year"])
    date = datetime.date(year, month, int(fields["day"]))
    if name != "iso":
        assert not fields["day"].startswith("0") and not fields["month"].startswith("0"), source
    if fields.get("weekday"):
        assert _WEEKDAY_NUMBERS[fields["weekday"]] == date.weekday(), source
    if fields.get("suffix"):
        assert fields["suffix"] == SUFFIXES.get(date.day, "th"), source
    return name, date


def _title_case(source):
    # Title case: names capitalised, ordinal suffixes lower case.
    def word(match):
        return match[0].lower() if match[0].lower() in ("st", "nd", "rd", "th") else match[0].title()

    return re.sub(r"[A-Za-z]+", word, source)


@pytest.fixture(scope="module")
def samples():
    return date_pairs(5000, seed=11)


# === The pairs ===


def test_deterministic_for_a_seed():
    assert date_pairs(50, seed=7) == date_pairs(50, seed=7)
    assert date_pairs(50, seed=7) != date_pairs(50, seed=8)
    assert date_pairs(50, seed=7, split="held_out") == date_pairs(50, seed=7, split="held_out")


@pytest.mark.parametrize("split", ["train", "held_out"])
def test_targets_are_the_iso_dates_the_sources_denote(split):
    sources, targets = date_pairs(2000, seed=3, split=split)
    assert len(sources) == len(targets) == 2000
    for source, target in zip(sources, targets):
        date = datetime.date.fromisoformat(target)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", target) and 1950 <= date.year <= 2049
        assert parse(source)[1] == date, (source, target)


def test_every_format_case_and_abbreviation_appears(samples):
    sources, _ = samples
    formats = Counter(parse(source)[0] for source in sources)
    assert set(formats) == set(dates.FORMATS) == set(PATTERNS)
    assert min(formats.values()) > 5000 / len(PATTERNS) / 2
    named = [s for s in sources if re.search("[A-Za-z]", s)]
    assert any(s == s.lower() for s in named) and any(s == s.upper() for s in named)
    assert any(s not in (s.lower(), s.upper()) for s in named)
    words = {word.lower() for s in named for word in re.findall("[A-Za-z]+", s)}
    for names in (calendar.month_name[1:], calendar.month_abbr[1:], calendar.day_name, calendar.day_abbr):
        assert {name.lower() for name in names} <= words
    assert {"sept", "st", "nd", "rd", "th"} <= words
    for text in ("Tuesday, September 25, 1984", "tue, sep 25, 1984", "TUE, SEPT 25TH, 1984"):
        assert parse(text)[1] == datetime.date(1984, 9, 25)


def test_render_date_examples():
    date = datetime.date(1984, 9, 25)
    assert dates.render_date(date, "weekday_month_d_yyyy") == "Tuesday, September 25, 1984"
    assert dates.render_date(date, "weekday_month_d_yyyy", "lower", True, True) == "tue, sep 25, 1984"
    assert dates.render_date(date, "month_dth_yyyy", "upper", True, sept=True) == "SEPT 25TH, 1984"
    assert dates.render_date(date, "d_month_yyyy") == "25 September 1984"
    assert dates.render_date(date, "m_d_yy") == "9/25/84"
    assert dates.render_date(date, "m_d_yyyy") == "9/25/1984"
    assert dates.render_date(date, "iso") == "1984-09-25"
    assert dates.render_date(datetime.date(2001, 3, 1), "m_d_yy") == "3/1/01"
    assert [dates._ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 30, 31)] == (
        "1st 2nd 3rd 4th 11th 12th 13th 21st 22nd 23rd 30th 31st".split()
    )


def test_names_are_english_whatever_the_locale():
    # The module's own tables agree with `calendar` under the C locale the tests run in.
    assert list(dates.MONTHS) == calendar.month_name[1:]
    assert list(dates.MONTH_ABBREVIATIONS) == calendar.month_abbr[1:]
    assert list(dates.WEEKDAYS) == list(calendar.day_name)
    assert list(dates.WEEKDAY_ABBREVIATIONS) == list(calendar.day_abbr)


def test_weekdays_match_the_dates(samples):
    with_weekday = [(s, t) for s, t in zip(*samples) if re.match("[A-Za-z]+, ", s)]
    assert len(with_weekday) > 1000
    for source, target in with_weekday:
        weekday = source.split(",")[0].lower()
        assert _WEEKDAY_NUMBERS[weekday] == datetime.date.fromisoformat(target).weekday(), source


def test_two_digit_years_follow_the_pivot(samples):
    short = [(s, t) for s, t in zip(*samples) if re.fullmatch(r"\d+/\d+/\d\d", s)]
    assert len(short) > 300
    centuries = set()
    for source, target in short:
        yy = int(source.rsplit("/", 1)[1])
        assert int(target[:4]) == (2000 + yy if yy <= 49 else 1900 + yy), source
        centuries.add(target[:2])
    assert centuries == {"19", "20"}
    assert pivot(0) == 2000 and pivot(49) == 2049 and pivot(50) == 1950 and pivot(99) == 1999


def test_train_and_held_out_never_share_a_date_whatever_the_seeds():
    train = set(date_pairs(4000, seed=1)[1]) | set(date_pairs(4000, seed=2)[1])
    held_out = set(date_pairs(1000, seed=1, split="held_out")[1]) | set(date_pairs(1000, seed=3, split="held_out")[1])
    assert len(held_out) > 1500 and len(train) > 6000
    assert not train & held_out


def test_held_out_is_about_a_tenth_of_dates():
    days = (dates.LAST_DATE - dates.FIRST_DATE).days + 1
    assert days == 36525
    share = dates._held_out([dates.FIRST_DATE + datetime.timedelta(n) for n in range(days)]).mean()
    assert 0.09 < share < 0.11


@pytest.mark.parametrize("count", [1, 7, 1000])
def test_count_is_exact(count):
    assert len(date_pairs(count, seed=0, split="held_out")[0]) == count
    assert len(date_pairs(count, seed=0, split="train")[1]) == count


def test_zero_pairs_and_bad_split():
    assert date_pairs(0, seed=0) == ([], [])
    with pytest.raises(ValueError, match="split"):
        date_pairs(3, seed=0, split="test")


# === The constants ===


def test_samples_stay_within_vocabulary_and_lengths(samples):
    for source, target in zip(*samples):
        assert set(source + target) <= set(dates.VOCABULARY), source
        assert len(source) <= dates.MAX_SOURCE_LENGTH and len(target) == dates.MAX_TARGET_LENGTH


def test_constants_are_exact_over_every_date_and_style():
    # Every date of 28 years (the calendar repeats, so every month, day and weekday
    # together) in every format and style: the vocabulary is exactly what appears and
    # MAX_SOURCE_LENGTH is reached. Years are always 4 or 2 digits, and case does not
    # change lengths, so one case suffices for lengths; characters come from all three.
    assert dates.VOCABULARY == sorted(dates.VOCABULARY) and len(set(dates.VOCABULARY)) == len(dates.VOCABULARY)
    styles = [(month, weekday) for month in (False, True) for weekday in (False, True)]
    chars, longest = set(), 0
    day = datetime.date(1996, 1, 1)
    while day.year < 1996 + 28:
        for name, template in dates.FORMATS.items():
            for month, weekday in styles if "{month}" in template else styles[:1]:
                text = dates.render_date(day, name, "title", month, weekday, sept=True)
                longest = max(longest, len(text))
                chars.update(text, text.lower(), text.upper())
        day += datetime.timedelta(1)
    assert longest == dates.MAX_SOURCE_LENGTH == len("Wednesday, September 12th, 2001")
    assert sorted(chars | set("0123456789")) == dates.VOCABULARY


# === Where the task is used: recipes and the command line ===


def test_load_data_builds_the_date_task():
    data = {"task": "date", "train_size": 30, "validation_size": 10, "balance_digits": 0.0}
    train, validation, vocabulary, lengths = load_data(data, seed=5)
    assert train == date_pairs(30, seed=5) and validation == date_pairs(10, seed=6, split="held_out")
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
