"""The date task: dates as people write them in English, answered in ISO `YYYY-MM-DD`.

Dates are uniform over 1950-01-01 to 2049-12-31. Each source takes one of
`FORMATS`, e.g. `September 25, 1984`, `25th`-style ordinals, `25 Sep 1984`,
`Tuesday, September 25, 1984`, `9/25/84`, `9/25/1984` (US order: month first)
or `1984-09-25` itself. Month names are full or abbreviated (`Sep`, and `Sept`
for some Septembers), weekdays full or abbreviated, and the whole source is in
lower, title or upper case. Weekdays are always right for the date.

Two-digit years follow a pivot rule: `00`-`49` mean 2000-2049 and `50`-`99`
mean 1950-1999, so every `M/D/YY` source names exactly one date in range.

The names are written out here in English rather than read from `calendar`,
whose names follow the process's locale.
"""

import datetime
import string

import numpy as np

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # date.weekday() order
WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Every source format, by name. Fields: weekday and month (names, cased), d and m
# (unpadded numbers), dth (day with its ordinal suffix), yyyy, yy, mm and dd (padded).
FORMATS = {
    "month_d_yyyy": "{month} {d}, {yyyy}",
    "month_dth_yyyy": "{month} {dth}, {yyyy}",
    "d_month_yyyy": "{d} {month} {yyyy}",
    "weekday_month_d_yyyy": "{weekday}, {month} {d}, {yyyy}",
    "weekday_month_dth_yyyy": "{weekday}, {month} {dth}, {yyyy}",
    "weekday_d_month_yyyy": "{weekday}, {d} {month} {yyyy}",
    "m_d_yy": "{m}/{d}/{yy}",
    "m_d_yyyy": "{m}/{d}/{yyyy}",
    "iso": "{yyyy}-{mm}-{dd}",
}
CASES = ("lower", "title", "upper")

FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)

_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")


def _ordinal(day):
    """`1st`, `2nd`, `3rd`, `4th`, ..., `11th`, `12th`, `13th`, ..., `21st`, ..., `31st`."""
    if day % 10 in (1, 2, 3) and day not in (11, 12, 13):
        return f"{day}{_ORDINAL_SUFFIXES[day % 10 - 1]}"
    return f"{day}th"


def _vocabulary():
    names = MONTHS + MONTH_ABBREVIATIONS + ("Sept",) + WEEKDAYS + WEEKDAY_ABBREVIATIONS + _ORDINAL_SUFFIXES
    letters = {char for name in names for text in (name, name.lower(), name.upper()) for char in text}
    parsed = [piece for template in FORMATS.values() for piece in string.Formatter().parse(template)]
    literals = {char for text, *_ in parsed for char in text}
    return sorted(letters | literals | set("0123456789"))


def _max_source_length():
    # Every field is appended as is, so the longest source of a format comes from the
    # longest value of each field. Some such date exists: e.g. Wednesday, September 12th, 2001.
    longest = {
        "weekday": max(WEEKDAYS + WEEKDAY_ABBREVIATIONS, key=len),
        "month": max(MONTHS + MONTH_ABBREVIATIONS + ("Sept",), key=len),
        "d": "28", "dth": "28th", "m": "12", "yyyy": "2049", "yy": "49", "mm": "12", "dd": "28",
    }  # fmt: skip
    return max(len(template.format(**longest)) for template in FORMATS.values())


VOCABULARY = _vocabulary()
MAX_SOURCE_LENGTH = _max_source_length()  # 31: "Wednesday, September 12th, 2001"
MAX_TARGET_LENGTH = 10  # "1984-09-25"


def _held_out(dates):
    """True for the tenth of all calendar dates kept out of training, in whatever format.

    A fixed multiplicative (Knuth) hash of the date as the number YYYYMMDD decides,
    so that a training set and a held-out set drawn with any seeds never share a date.
    """
    number = np.array([date.year * 10000 + date.month * 100 + date.day for date in dates], dtype=np.uint64)
    hashed = (number * np.uint64(2654435761)) % np.uint64(2**32)
    return (hashed >> np.uint64(16)) % np.uint64(10) == 0


def render_date(date, format_name, case="title", abbreviate_month=False, abbreviate_weekday=False, sept=False):
    """The source text for `date` in one of `FORMATS`; `sept` writes an abbreviated September `Sept`.

    Example:
    >>> import datetime
    >>> render_date(datetime.date(1984, 9, 25), "weekday_month_d_yyyy")
    'Tuesday, September 25, 1984'
    >>> render_date(datetime.date(1984, 9, 25), "weekday_month_dth_yyyy", "lower", True, True, sept=True)
    'tue, sept 25th, 1984'
    >>> render_date(datetime.date(2007, 3, 1), "m_d_yy")
    '3/1/07'
    """
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, got {case!r}")
    if abbreviate_month:
        month = "Sept" if sept and date.month == 9 else MONTH_ABBREVIATIONS[date.month - 1]
    else:
        month = MONTHS[date.month - 1]
    weekday = (WEEKDAY_ABBREVIATIONS if abbreviate_weekday else WEEKDAYS)[date.weekday()]
    text = FORMATS[format_name].format(
        weekday=weekday, month=month, d=date.day, dth=_ordinal(date.day), m=date.month,
        yyyy=f"{date.year:04d}", yy=f"{date.year % 100:02d}", mm=f"{date.month:02d}", dd=f"{date.day:02d}",
    )  # fmt: skip
    return {"lower": text.lower(), "title": text, "upper": text.upper()}[case]


def date_pairs(count, seed, split="train"):
    """`count` (source, ISO date) string pairs drawn from `split` ("train" or "held_out").

    Deterministic: the same arguments give the same pairs. Dates are uniform over
    1950-2049, and the format, case, and month and weekday abbreviations are drawn
    uniformly and independently (half of abbreviated Septembers are `Sept`). The
    held-out split holds about a tenth of all calendar dates, chosen by a fixed hash
    of the date, so no held-out date appears in training in any format.

    Example:
    >>> sources, targets = date_pairs(3, seed=0)
    >>> [len(target) for target in targets]
    [10, 10, 10]
    """
    if split not in ("train", "held_out"):
        raise ValueError(f"split must be 'train' or 'held_out', got {split!r}")
    rng = np.random.default_rng(seed)
    first, last = FIRST_DATE.toordinal(), LAST_DATE.toordinal()
    dates = []
    while len(dates) < count:
        drawn = [datetime.date.fromordinal(int(n)) for n in rng.integers(first, last + 1, size=2 * count + 16)]
        keep = _held_out(drawn) == (split == "held_out")
        dates.extend(date for date, kept in zip(drawn, keep) if kept)
    dates = dates[:count]
    format_names = list(FORMATS)
    formats = rng.integers(0, len(format_names), size=count)
    cases = rng.integers(0, len(CASES), size=count)
    abbreviations = rng.integers(0, 2, size=(3, count)).astype(bool)  # month, weekday, Sept
    sources = [
        render_date(date, format_names[f], CASES[c], bool(month), bool(weekday), bool(sept))
        for date, f, c, month, weekday, sept in zip(dates, formats, cases, *abbreviations)
    ]
    return sources, [date.isoformat() for date in dates]
