"""The date task: dates as people write them in English, answered in ISO `YYYY-MM-DD`.

Every source takes one of `FORMATS` (numeric with `/`, `-`, `.` or spaces, year
first or last, compact `YYYYMMDD`, month names, ordinals, `the 4th of March`),
and is written in one of many styles drawn at random (`Style`): month names
full (`March`), abbreviated (`Mar`, `Sept`) or abbreviated with a period
(`mar.`); an optional weekday in front, right or wrong (a wrong weekday never
changes the date); numbers with or without leading zeros; commas kept, dropped
or spaced; missing spaces (`March4,2021`) and extra ones; lower, title or upper
case. Dates are uniform over the years 1000-2999.

The rules of reading (`docs/dates.md` and the `date` preset's card):

- **Ambiguous numeric dates.** With the year last, `3/4/2021` is read month
  first (4 March, US usage) unless the reader is day first (`day_first=True`:
  3 April). A date that only one order makes a calendar date is read that way
  whatever the reader (`31/12/2021` and `12/31/2021` are both 2021-12-31).
  With the year first the order is always year, month, day (`2021/3/4`).
- **Two-digit years** (`3/4/21`, `4 Mar 21`): `69`-`99` are 1969-1999 and
  `00`-`68` are 2000-2068, the POSIX rule of `strptime("%y")`. Only the year
  can be written with two digits, and only last.

The held-out split is a tenth of all calendar dates, chosen by a fixed hash of
the date, whatever the format. `training_pairs` gives what the model itself is
trained on: sources normalised and marked with their reading
(`keras_seq2seq.text.date_input`), both readings, and a few texts that are not
dates (`"hello"`, `February 30, 2021`, `March 2021`) answered `NOT_A_DATE`.

The names are written out here in English rather than read from `calendar`,
whose names follow the process's locale.
"""

import dataclasses
import datetime
import itertools
import random
import re
import string

from keras_seq2seq.text.date_input import DAY_FIRST_MARK, MONTH_FIRST_MARK, DateInput

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # date.weekday() order
WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Other abbreviations people write, drawn as often as the three-letter ones.
OTHER_ABBREVIATIONS = {"Sep": "Sept", "Tue": "Tues", "Thu": "Thurs"}

# Every source format, by name. Fields: {m} and {d} month and day numbers, {month} a
# month name, {dth} the day with its ordinal suffix, {yyyy} and {yy} the year,
# {sep} one separator drawn from "-", "/" and ".". Formats with {m} before {d} and
# the year last are ambiguous: they are written day first too (see `READING`).
FORMATS = {
    "m/d/yyyy": "{m}/{d}/{yyyy}",
    "m-d-yyyy": "{m}-{d}-{yyyy}",
    "m.d.yyyy": "{m}.{d}.{yyyy}",
    "m d yyyy": "{m} {d} {yyyy}",
    "m/d/yy": "{m}/{d}/{yy}",
    "m-d-yy": "{m}-{d}-{yy}",
    "m.d.yy": "{m}.{d}.{yy}",
    "m d yy": "{m} {d} {yy}",
    "yyyy-m-d": "{yyyy}-{m}-{d}",
    "yyyy/m/d": "{yyyy}/{m}/{d}",
    "yyyy.m.d": "{yyyy}.{m}.{d}",
    "yyyy m d": "{yyyy} {m} {d}",
    "yyyymmdd": "{yyyy}{m}{d}",
    "month d, yyyy": "{month} {d}, {yyyy}",
    "month dth, yyyy": "{month} {dth}, {yyyy}",
    "month d, yy": "{month} {d}, {yy}",
    "d month yyyy": "{d} {month} {yyyy}",
    "d month yy": "{d} {month} {yy}",
    "d-month-yyyy": "{d}{sep}{month}{sep}{yyyy}",
    "dth month yyyy": "{dth} {month} {yyyy}",
    "the dth of month, yyyy": "{the}{dth} of {month}, {yyyy}",
    "yyyy month d": "{yyyy} {month} {d}",
}
READING = "month first (US), or day first with day_first=True; an order that gives no calendar date is never chosen"
NOT_A_DATE = "-"  # the answer to a text that names no calendar date (training_pairs)

FIRST_YEAR, LAST_YEAR = 1000, 2999
PIVOT = 69  # two-digit years: 00-68 are 2000-2068, 69-99 are 1969-1999
NON_DATE_SHARE = 0.05  # of training_pairs

_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")
_SEPARATORS = ("-", "/", ".")  # of d-month-yyyy


def two_digit_year(yy):
    """The year a two-digit year means: 2000-2068 for 0-68, 1969-1999 for 69-99.

    Example:
    >>> [two_digit_year(yy) for yy in (0, 21, 68, 69, 99)]
    [2000, 2021, 2068, 1969, 1999]
    """
    return 2000 + yy if yy < PIVOT else 1900 + yy


def is_ambiguous(format_name):
    """True for the numeric formats with the year last: the reading decides their order."""
    template = FORMATS[format_name]
    return "{m}" in template and template.index("{m}") < template.index("{yy")


def _ordinal(day):
    """`1st`, `2nd`, `3rd`, `4th`, ..., `11th`, `12th`, `13th`, ..., `21st`, ..., `31st`."""
    if day % 10 in (1, 2, 3) and day not in (11, 12, 13):
        return f"{day}{_ORDINAL_SUFFIXES[day % 10 - 1]}"
    return f"{day}th"


@dataclasses.dataclass(frozen=True)
class Style:
    """How one source is written, beyond its format (every choice is drawn by `draw_style`).

    `month` and `weekday` are "full", "short" (`Mar`, `Tue`) or "other" (`Sept`,
    `Tues`, `Thurs`, else as short), `weekday` may also be None (no weekday), and
    `period` ends their abbreviations with a period (`Mar.`). `weekday_comma`
    puts a comma after the weekday; `padded` writes numbers with leading zeros;
    `the` starts `the 4th of March`; `sep` separates `d-month-yyyy`. `commas` is
    "kept", "dropped" or "spaced" (`4 , 2021`); `tight` drops the spaces after
    commas and between numbers and names; `extra_spaces` widens every space and
    pads both ends (the model's normalisation undoes it); `case` is "lower",
    "title" or "upper".
    """

    month: str = "full"
    weekday: str | None = None
    period: bool = False
    weekday_comma: bool = True
    padded: bool = False
    the: bool = True
    sep: str = "-"
    commas: str = "kept"
    tight: bool = False
    extra_spaces: bool = False
    case: str = "title"


def draw_style(rng, numeric):
    """A `Style` drawn from `rng` (a `random.Random`); `numeric` formats get leading zeros half the time."""
    return Style(
        month=rng.choices(("full", "short", "other"), (5, 3, 2))[0],
        weekday=rng.choices((None, "full", "short", "other"), (12, 2, 1, 1))[0],
        period=rng.random() < 0.3,
        weekday_comma=rng.random() < 0.7,
        padded=rng.random() < (0.5 if numeric else 0.1),
        the=rng.random() < 0.6,
        sep=rng.choice(_SEPARATORS),
        commas=rng.choices(("kept", "dropped", "spaced"), (8, 2, 1))[0],
        tight=rng.random() < 0.1,
        extra_spaces=rng.random() < 0.15,
        case=rng.choice(("lower", "title", "upper")),
    )


def _name(names, index, spelling, period=False):
    if spelling == "full":
        return names[0][index]
    short = names[1][index]
    return (OTHER_ABBREVIATIONS.get(short, short) if spelling == "other" else short) + ("." if period else "")


def render(year, month, day, weekday, format_name, style, rng=None):
    """The text of the date `year`-`month`-`day` in a format and a style; `weekday` is 0 (Monday) to 6.

    The numbers need not make a calendar date (texts that are not dates are
    made this way too). `rng` widens spaces when `style.extra_spaces` is set.

    Example:
    >>> render(1984, 9, 25, 1, "month dth, yyyy", Style(month="other", weekday="full", period=True))
    'Tuesday, Sept. 25th, 1984'
    >>> render(2021, 3, 4, 3, "yyyy-m-d", Style(padded=True))
    '2021-03-04'
    >>> render(2021, 3, 4, 3, "the dth of month, yyyy", Style(commas="dropped", case="upper"))
    'THE 4TH OF MARCH 2021'
    """
    template, pad = FORMATS[format_name], style.padded or format_name == "yyyymmdd"
    text = template.format(
        m=f"{month:02d}" if pad else month, d=f"{day:02d}" if pad else day, dth=_ordinal(day),
        month=_name((MONTHS, MONTH_ABBREVIATIONS), month - 1, style.month, style.period) if "{month}" in template else "",
        yyyy=f"{year:04d}", yy=f"{year % 100:02d}", sep=style.sep, the="the " if style.the else "",
    )  # fmt: skip
    text = text.replace("..", ".")  # an abbreviation's period doubles as the separator: 2.Apr.2021
    if style.weekday is not None:
        name = _name((WEEKDAYS, WEEKDAY_ABBREVIATIONS), weekday, style.weekday, style.period)
        text = f"{name}{',' if style.weekday_comma else ''} {text}"
    if style.commas == "dropped":
        text = text.replace(",", "")
    elif style.commas == "spaced":
        text = text.replace(",", " ,")
    if style.tight:
        text = re.sub(r"(?<=,) | (?=,)|(?<=[A-Za-z.]) (?=\d)|(?<=\d) (?=[A-Za-z])", "", text)
    if style.extra_spaces:
        text = re.sub(" ", lambda _: " " * rng.randint(1, 3), text)
        text = " " * rng.randint(0, 2) + text + " " * rng.randint(0, 2)
    if style.case == "lower":
        return text.lower()
    return text.upper() if style.case == "upper" else text


def is_held_out(year, month, day):
    """True for the tenth of all calendar dates kept out of training, in whatever format.

    A fixed multiplicative (Knuth) hash of the number YYYYMMDD decides, so that a
    training set and a held-out set drawn with any seeds never share a date.

    Example:
    >>> is_held_out(1984, 9, 25), is_held_out(2021, 3, 4)
    (False, False)
    """
    hashed = ((year * 10000 + month * 100 + day) * 2654435761) % 2**32
    return (hashed >> 16) % 10 == 0


def _draw_date(rng, split, two_digit_year):
    """A calendar date of `split`, uniform over 1000-2999 (1969-2068 for a two-digit year)."""
    first, last = (1969, 2068) if two_digit_year else (FIRST_YEAR, LAST_YEAR)
    first, last = datetime.date(first, 1, 1).toordinal(), datetime.date(last, 12, 31).toordinal()
    while True:
        date = datetime.date.fromordinal(rng.randint(first, last))
        if is_held_out(date.year, date.month, date.day) == (split == "held_out"):
            return date


def _example(rng, split, day_first):
    """One `(source, ISO date, format name)` as someone writes a date of `split`."""
    format_name = rng.choice(list(FORMATS))
    date = _draw_date(rng, split, "{yy}" in FORMATS[format_name])
    month, day = date.month, date.day
    if is_ambiguous(format_name) and (day_first if day <= 12 else rng.random() < 0.5):
        month, day = day, month  # written day first: as the reader reads it, or unambiguously
    weekday = date.weekday() if rng.random() < 0.5 else rng.randrange(7)  # a wrong weekday half the time
    style = draw_style(rng, numeric="{m}" in FORMATS[format_name])
    return render(date.year, month, day, weekday, format_name, style, rng), date.isoformat(), format_name


def date_examples(count, seed, split="train", day_first=False):
    """`count` dates of `split` ("train" or "held_out") as people write them: `(sources, targets, formats)`.

    Deterministic for the same arguments. Every source names a calendar date
    (its target, ISO) read as `day_first` says; `formats` are the names in
    `FORMATS`. The held-out split holds about a tenth of all calendar dates,
    chosen by a fixed hash of the date, so no held-out date appears in training
    in any format.

    Example:
    >>> sources, targets, formats = date_examples(3, seed=0)
    >>> [len(target) for target in targets]
    [10, 10, 10]
    """
    if split not in ("train", "held_out"):
        raise ValueError(f"split must be 'train' or 'held_out', got {split!r}")
    rng = random.Random(seed)
    examples = [_example(rng, split, day_first) for _ in range(count)]
    return tuple(list(column) for column in zip(*examples)) if examples else ([], [], [])


def date_pairs(count, seed, split="train", day_first=False):
    """`(sources, targets)` of `date_examples`: the held-out TSV of `keras-seq2seq data date`.

    Example:
    >>> date_pairs(2, seed=0) == date_examples(2, seed=0)[:2]
    True
    """
    return date_examples(count, seed, split, day_first)[:2]


def _days_in_month(year, month):
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


def _is_date(year, month, day):
    return 1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)


_PARTIAL_TEMPLATES = (
    "{month} {yyyy}", "{month} {d}", "{d} {month}", "{month} {dth}", "the {dth} of {month}",
    "{m}/{d}", "{m}-{yyyy}", "{yyyy}", "{month}", "{dth}",
)  # fmt: skip
_WORD_LETTERS = "abcdefghijlmnoprstuvwy"  # the letters of the names


def _non_date(rng):
    """A text that names no calendar date: impossible, partial, words or digits."""
    kind = rng.choice(("impossible", "impossible", "partial", "words", "digits"))
    if kind == "impossible":
        format_name = rng.choice(list(FORMATS))
        year = rng.randint(1969, 2068) if "{yy}" in FORMATS[format_name] else rng.randint(FIRST_YEAR, LAST_YEAR)
        numeric = "{m}" in FORMATS[format_name]
        while True:  # a named month has a name: only its day can be wrong
            month = rng.randint(0, 19) if numeric else rng.randint(1, 12)
            day = rng.randint(_days_in_month(year, month) + 1, 35) if 1 <= month <= 12 else rng.randint(1, 31)
            if not _is_date(year, month, day) and not (is_ambiguous(format_name) and _is_date(year, day, month)):
                break
        return render(year, month, day, rng.randrange(7), format_name, draw_style(rng, numeric), rng)
    if kind == "partial":
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        return rng.choice(_PARTIAL_TEMPLATES).format(
            month=_name((MONTHS, MONTH_ABBREVIATIONS), month - 1, rng.choice(("full", "short"))),
            m=month, d=day, dth=_ordinal(day), yyyy=rng.randint(FIRST_YEAR, LAST_YEAR),
        )  # fmt: skip
    if kind == "words":
        words = ["".join(rng.choices(_WORD_LETTERS, k=rng.randint(1, 9))) for _ in range(rng.randint(1, 3))]
        return " ".join(words)
    length = rng.choice((1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12))  # 8 digits could be a YYYYMMDD date
    return "".join(rng.choices("0123456789", k=length))


def non_dates(count, seed):
    """`count` texts that name no calendar date, of the kinds `training_pairs` mixes in.

    Impossible dates (`February 30, 2021`, `13/13/2021`), partial ones (`March
    2021`), words and digits.

    Example:
    >>> len(non_dates(3, seed=0))
    3
    """
    rng = random.Random(seed)
    return [_non_date(rng) for _ in range(count)]


def training_pairs(count, seed, split="train"):
    """`count` (model source, answer) pairs: what a date model trains on.

    Sources are `date_examples` sources as the model reads them: normalised and
    marked with their reading (`DateInput`), half month first and half day first.
    About `NON_DATE_SHARE` of them are not dates (`_non_date`), answered `NOT_A_DATE`.

    Example:
    >>> sources, targets = training_pairs(4, seed=0)
    >>> all(source[0] in "MD" and source[1:] == source[1:].lower() for source in sources)
    True
    """
    rng = random.Random(seed)
    sources, targets = [], []
    for _ in range(count):
        reader = DateInput(day_first=rng.random() < 0.5)
        if rng.random() < NON_DATE_SHARE:
            source, target = _non_date(rng), NOT_A_DATE
        else:
            source, target, _ = _example(rng, split, reader.day_first)
        sources.append(reader.mark + reader.normalize(source))
        targets.append(target)
    return sources, targets


def _max_source_length():
    """The longest model source: every format in its widest style, with the longest names and numbers."""
    widest = [
        Style(month=month, weekday=weekday, period=True, padded=True, commas="spaced")
        for month, weekday in itertools.product(("full", "other"), ("full", "other"))
    ]
    texts = [
        render(2001, 9, 12, 2, name, style)  # Wednesday, September 12th, 2001
        for name, style in itertools.product(FORMATS, widest)
    ]
    return 1 + max(len(DateInput(day_first=False).normalize(text)) for text in texts)


def _vocabulary():
    names = MONTHS + MONTH_ABBREVIATIONS + WEEKDAYS + WEEKDAY_ABBREVIATIONS + tuple(OTHER_ABBREVIATIONS.values())
    words = "".join(names).lower() + "".join(_ORDINAL_SUFFIXES) + "the of"
    literals = {char for template in FORMATS.values() for text, *_ in string.Formatter().parse(template) for char in text}
    styled = ",." + "".join(_SEPARATORS) + NOT_A_DATE  # weekday commas, abbreviation periods, {sep}
    return sorted(set(words + styled + "0123456789") | literals | {MONTH_FIRST_MARK, DAY_FIRST_MARK})


VOCABULARY = _vocabulary()  # the model's characters: lower case, digits, punctuation and the two marks
MAX_SOURCE_LENGTH = _max_source_length()  # 41: the mark + "wednesday , the 12th of september , 2001"
MAX_TARGET_LENGTH = 10  # "1984-09-25"
