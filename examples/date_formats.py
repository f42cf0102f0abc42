"""Exact match of the `date` preset on held-out dates, per format and reading, and what it does with non-dates.

Usage: python examples/date_formats.py [--preset date] [--count 22000] [--seed 2026]

For each reading (month first, the preset's default, and day first) it writes
`--count` held-out dates with `keras_seq2seq.data.dates.date_examples` (dates the
model never trained on, in every format and style, drawn uniformly), answers them
with the preset, and prints a Markdown table: exact match per format and reading,
then per weekday (none, right, wrong). Answers are counted as they come out of the
decoder, before the output check, so a miss is a miss whether or not the check
would have turned it into an error ("rejected": answers that are not calendar
dates, which `generate` reports as errors). Last, `--count` texts that are not
dates (`dates.non_dates`, drawn from another seed than training) and how many of
them the preset rejects.
"""

import argparse
import datetime
import re
from collections import Counter

import keras_seq2seq as ks
from keras_seq2seq.data import dates
from keras_seq2seq.text.iso_dates import is_iso_date

READINGS = {"month first": "date_month_first", "day first": "date_day_first"}
_WEEKDAY_NAMES = {
    name.lower(): n for names in (dates.WEEKDAYS, dates.WEEKDAY_ABBREVIATIONS) for n, name in enumerate(names)
}
_WEEKDAY_NAMES |= {"tues": 1, "thurs": 3}  # the weekdays among dates.OTHER_ABBREVIATIONS


def weekday_kind(source, target):
    """"none", "right" or "wrong": the weekday a source starts with, against its date."""
    match = re.match(r"\s*([A-Za-z]+)", source)
    if not match or match[1].lower() not in _WEEKDAY_NAMES:
        return "none"
    right = _WEEKDAY_NAMES[match[1].lower()] == datetime.date.fromisoformat(target).weekday()
    return "right" if right else "wrong"


def answer(model, reading, sources):
    """The decoder's answers, unchecked: a miss counts as a miss."""
    model.input_format, model.output_check = READINGS[reading], None
    return model.generate(sources, progress=True)


def tally(groups, right, rejected, order):
    """`{group: (right, rejected, total)}` from parallel lists, for each group of `order`."""
    counts = {group: [0, 0, 0] for group in order}
    for group, good, bad in zip(groups, right, rejected):
        counts[group] = [counts[group][0] + good, counts[group][1] + bad, counts[group][2] + 1]
    return counts


def print_table(title, tallies):
    """One row per group, one column per reading: exact match (right/total) and rejected answers."""
    print(f"\n| {title} | " + " | ".join(f"{reading}: exact match | rejected" for reading in tallies) + " |")
    print("| --- |" + " --- | --- |" * len(tallies))
    groups = list(next(iter(tallies.values())))
    for group in groups + ["all"]:
        cells = []
        for counts in tallies.values():
            good, bad, total = [sum(column) for column in zip(*counts.values())] if group == "all" else counts[group]
            cells.append(f"{good / total:.2%} ({good}/{total}) | {bad}")
        print(f"| {group} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="date")
    parser.add_argument("--count", type=int, default=22000, help="held-out dates per reading (and non-dates)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    model = ks.from_preset(args.preset)
    by_format, by_weekday = {}, {}
    for reading in READINGS:
        sources, targets, formats = dates.date_examples(args.count, args.seed, "held_out", reading == "day first")
        answers = answer(model, reading, sources)
        right = [a == t for a, t in zip(answers, targets)]
        rejected = [not is_iso_date(a) for a in answers]
        by_format[reading] = tally(formats, right, rejected, dates.FORMATS)
        weekdays = [weekday_kind(source, target) for source, target in zip(sources, targets)]
        by_weekday[reading] = tally(weekdays, right, rejected, ("none", "right", "wrong"))
    print(f"{args.preset}: held-out dates (seed {args.seed}), exact match of the decoder's answers")
    print_table("format", by_format)
    print_table("weekday", by_weekday)
    non_dates = dates.non_dates(args.count, args.seed)
    answers = answer(model, "month first", non_dates)
    kinds = Counter("rejected" if not is_iso_date(a) else "answered with a date" for a in answers)
    print(f"\nnon-dates (seed {args.seed}): {kinds['rejected']}/{len(non_dates)} rejected "
          f"({kinds['rejected'] / len(non_dates):.2%}), {kinds['answered with a date']} answered with a calendar date")
    examples = [f"{text!r} -> {a}" for text, a in zip(non_dates, answers) if is_iso_date(a)][:10]
    if examples:
        print("answered with a date, e.g.: " + "; ".join(examples))


if __name__ == "__main__":
    main()
