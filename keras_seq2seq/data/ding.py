"""The translation task: German -> English pairs from the Ding dictionary of TU Chemnitz.

Debian's `trans-de-en` package installs the dictionary (GPL-2+, Frank Richter,
https://dict.tu-chemnitz.de/) as one text file; it is read where the package
put it, at run time, and never copied into this repository. Each line is

    German | German ... :: English | English ...

where the `|`-separated parts of the two sides are aligned one to one: a
headword, its inflected forms, then phrases and example sentences using it.
Inside a part, `;` separates synonyms. Every part pair is cleaned
(`clean`) and kept as

- a **sentence pair** when both sides end in `.`, `?` or `!` and have at
  least 3 words (an example sentence: "Wir gehen heute schwimmen." / "We are going swimming today.");
- a **phrase pair** when both sides have at least 2 words and it is not a
  sentence ("ein kleines Boot" / "a small boat"); a recipe can add
  these to the training pairs (`phrases`).

The first synonym of each side is kept (the dictionary puts the common form
first; synonyms are not aligned with each other). A part pair is left out when
after cleaning it still holds a spaced slash (`Er / Sie kommt später.`: the
alternatives' extent is ambiguous) or an ellipsis (`Danke für …!`, a template),
and a sentence with a placeholder (`etw.`, `jdn.`, `sth.`, `sb.`) counts as a
phrase. An identical pair met twice is kept once.

**Split rule** (`hash_split.split_of`): the SHA-1 of the cleaned German side,
so a German sentence with two translations is on one side only. Dev and test
hold sentence pairs only; phrase pairs are training pairs whatever their hash.
"""

import functools
import re
import subprocess
from pathlib import Path

from keras_seq2seq.data.corpus_task import word_piece_task
from keras_seq2seq.data.hash_split import SPLITS, check_split, split_of
from keras_seq2seq.errors import InputError

PACKAGE = "trans-de-en"
VOCABULARY_SIZE = 8000  # word pieces shared by German and English, the four special ids included
# Tokens (words, word pieces, punctuation marks): a handful of the longest sentences are longer.
MAX_SOURCE_LENGTH = 48
MAX_TARGET_LENGTH = 48
INSTALL_HINT = (f"install Debian's {PACKAGE} package: sudo apt install {PACKAGE} "
                f"(or apt-get install -y {PACKAGE} as root)")

# Annotations the dictionary adds, removed by `clean` (innermost first, so nested ones go too):
_ANNOTATIONS = re.compile(
    r"\{[^{}]*\}"  # grammar: {m} {f} {n} {pl} {vt} {adj} ...
    r"|\[[^\[\]]*\]"  # usage and field labels: [Br.] [Am.] [ugs.] [coll.] [med.] ...
    r"|<[^<>]*>"  # other spellings and search keys: <Bootshaus>
    r"|\([^()]*\)"  # optional words and explanations: (mit etw.) (on a lake)
)
_CROSS_REFERENCE = re.compile(r"~\S+")  # "see also": ~Zug
_ABBREVIATION = re.compile(r"(?<!\S)/\S[^/]*?/(?=[\s;]|$)")  # the abbreviation of a headword: /Bhf./ /z. B./
_WORD_ALTERNATIVES = re.compile(r"(?<=\w)(?:/[\w'-]+)+")  # comes/arrives -> comes; and/or -> and
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "‚": "'"})
_SPACE_BEFORE_MARK = re.compile(r"\s+([.,!?;:])")
_PLACEHOLDER = re.compile(r"\b(?:etw|jd[mnrs]?|sth|sb)\.", re.IGNORECASE)
_SENTENCE_END = (".", "?", "!")
_DICTIONARY_FOLDER = "/usr/share/trans/"  # where trans-de-en puts its file


def translation_pairs(split="train", phrases=False, path=None):
    """`(german, english)` lists of `split` ("train", "dev" or "test"), in dictionary order.

    `phrases=True` adds the phrase pairs to "train" (dev and test are sentences
    only). `path` is the dictionary file (default: where `trans-de-en` installed it).

    Example (`path` is a file in the dictionary's format, here a made-up one):
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "de-en"
    >>> _ = file.write_text("Hund {m} | Der Hund schläft. :: dog | The dog is asleep.\\n", encoding="utf-8")
    >>> [translation_pairs(split, path=file) for split in SPLITS]
    [(['Der Hund schläft.'], ['The dog is asleep.']), ([], []), ([], [])]
    """
    check_split(split)
    sentences, phrase_pairs = dictionary_pairs(str(path or dictionary_path()))
    kept = [pair for pair in sentences if split_of(pair[0]) == split]
    if phrases and split == "train":
        kept += phrase_pairs
    return [german for german, _ in kept], [english for _, english in kept]


def translation_task(train_size, validation_size, vocabulary_size=VOCABULARY_SIZE, phrases=False, vocabulary=None):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for a recipe's `"task": "translation"`.

    Train on the train split (with the phrase pairs if `phrases`), validate on
    dev; one word-piece vocabulary for both languages (`corpus_task.word_piece_task`).
    """
    return word_piece_task(translation_pairs("train", phrases=phrases), translation_pairs("dev"), train_size,
                           validation_size, vocabulary_size, (MAX_SOURCE_LENGTH, MAX_TARGET_LENGTH), vocabulary)


@functools.lru_cache(maxsize=2)
def dictionary_pairs(path):
    """`(sentence_pairs, phrase_pairs)` of the dictionary file `path`, each a list of `(german, english)`.

    Read once per process (the file has 200,000 lines).
    """
    sentences, phrases = {}, {}  # dicts as ordered sets: a pair met twice is kept once
    for line in read_dictionary(path):
        for german, english in part_pairs(line):
            kind = pair_kind(german, english)
            if kind == "sentence":
                sentences[german, english] = None
            elif kind == "phrase":
                phrases[german, english] = None
    return list(sentences), list(phrases)


def read_dictionary(path):
    """The dictionary's entry lines (comment lines starting with `#` left out)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no dictionary file {path}: {INSTALL_HINT}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the dictionary {path}: {error}") from None
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def dictionary_path():
    """The dictionary file that `dpkg -L trans-de-en` lists; `InputError` saying how to install it if missing."""
    try:
        listed = subprocess.run(["dpkg", "-L", PACKAGE], capture_output=True, text=True, check=True).stdout
    except (FileNotFoundError, subprocess.CalledProcessError):  # no dpkg, or the package is not installed
        raise InputError(f"the translation task needs the German-English dictionary: {INSTALL_HINT}") from None
    files = [Path(line) for line in listed.splitlines() if line.startswith(_DICTIONARY_FOLDER)]
    files = [file for file in files if file.is_file()]
    if not files:
        raise InputError(f"{PACKAGE} lists no file under {_DICTIONARY_FOLDER}: reinstall it ({INSTALL_HINT})")
    return files[0]


def part_pairs(line):
    """The cleaned `(german, english)` part pairs of one dictionary line; none if its sides do not align.

    Example:
    >>> part_pairs("Boot {n} [naut.] | Ist das Boot klein? :: boat [Br.] | Is the boat small?")
    [('Boot', 'boat'), ('Ist das Boot klein?', 'Is the boat small?')]
    """
    sides = line.split(" :: ")
    if len(sides) != 2:
        return []
    german_parts, english_parts = (side.split(" | ") for side in sides)
    if len(german_parts) != len(english_parts):
        return []
    return [(clean(german), clean(english)) for german, english in zip(german_parts, english_parts)]


def clean(part):
    """A part without the dictionary's annotations, first synonym only, in plain quotes.

    Example:
    >>> clean("Wir warten, bis der Bus kommt (ugs.).; Wir warten.")
    'Wir warten, bis der Bus kommt.'
    >>> clean("It’s late (very late) [coll.] for him/her to call.")
    "It's late for him to call."
    >>> clean("Bahnhof {m} /Bhf./; Station {f} ~Zug")
    'Bahnhof'
    """
    previous = None
    while previous != part:
        previous, part = part, _ANNOTATIONS.sub(" ", part)
    part = _ABBREVIATION.sub(" ", _CROSS_REFERENCE.sub(" ", part))
    part = part.split(";")[0]
    part = _WORD_ALTERNATIVES.sub("", part.translate(_QUOTES))
    return _SPACE_BEFORE_MARK.sub(r"\1", " ".join(part.split()))


def pair_kind(german, english):
    """"sentence", "phrase" or None (left out) for a cleaned part pair.

    Example:
    >>> pair_kind("Wir gehen heute schwimmen.", "We are going swimming today.")
    'sentence'
    >>> pair_kind("etw. schnell erledigen", "to get sth. done quickly")
    'phrase'
    >>> pair_kind("Das ist gut / schlecht.", "That is good/bad."), pair_kind("Boot", "boat")
    (None, None)
    """
    sides = (german, english)
    if any(" /" in side or "/ " in side or "…" in side or "..." in side for side in sides):
        return None
    words = [len(side.split()) for side in sides]
    if (
        all(side.endswith(_SENTENCE_END) for side in sides)
        and min(words) >= 3
        and not any(_PLACEHOLDER.search(side) for side in sides)
    ):
        return "sentence"
    return "phrase" if min(words) >= 2 else None


def dictionary_report(path=None):
    """Lines saying how many pairs of each kind and split the dictionary gives (for docs/translation.md)."""
    path = str(path or dictionary_path())
    lines = read_dictionary(path)
    pairs = [pair for line in lines for pair in part_pairs(line)]
    sentences, phrases = dictionary_pairs(path)
    report = [
        f"{path}: {len(lines)} entry lines, {sum(not part_pairs(line) for line in lines)} with unaligned sides",
        f"{len(pairs)} part pairs: {len(sentences)} distinct sentence pairs, {len(phrases)} distinct phrase pairs",
    ]
    for kind, test in (("spaced slash", lambda side: " /" in side or "/ " in side),
                       ("ellipsis", lambda side: "…" in side or "..." in side)):
        report.append(f"left out ({kind}): {sum(any(map(test, pair)) for pair in pairs)} part pairs")
    for split in SPLITS:
        german, _ = translation_pairs(split, path=path)
        report.append(f"{split}: {len(german)} sentence pairs ({len(set(german))} distinct German sentences)")
    return report
