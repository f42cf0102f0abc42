"""The dialogue task: (prompt, answer) pairs from the English conversations of the `chatterbot-corpus` package.

Each conversation of the corpus's YAML files is a list of lines; every two
consecutive lines make a pair (the first line is the prompt, the next the
answer). Whitespace is collapsed (code samples lose their line breaks), and a
pair met twice is kept once. A fixed hash of the prompt's lowercase words puts
a tenth of the prompts in the held-out split: a prompt (and every pair that
starts with it, in any case or punctuation) is on one side only.
"""

import hashlib
import importlib.resources
import re

import yaml

from keras_seq2seq.data.corpus_task import word_piece_task
from keras_seq2seq.errors import InputError

LANGUAGE = "english"
VOCABULARY_SIZE = 4000  # at most, the four special ids included; word pieces seen at least twice
MAX_SOURCE_LENGTH = 64  # tokens: every prompt of the corpus fits (the longest has 49)
MAX_TARGET_LENGTH = 40  # tokens: longer answers (code samples, essays) are left out of training
_HELD_OUT_BUCKETS = 10  # one bucket of ten is held out


def dialogue_pairs(split="train", language=LANGUAGE):
    """`(prompts, answers)` of `split` ("train" or "held_out"), in corpus order (files sorted by name).

    Example:
    >>> prompts, answers = dialogue_pairs("train")
    >>> prompts[0], answers[0][:40]
    ('What is AI?', 'Artificial Intelligence is the branch of')
    >>> held_out, _ = dialogue_pairs("held_out")
    >>> set(map(prompt_key, prompts)) & set(map(prompt_key, held_out))
    set()
    """
    if split not in ("train", "held_out"):
        raise ValueError(f"split must be 'train' or 'held_out', got {split!r}")
    prompts, answers, seen = [], [], set()
    for lines in conversations(language):
        for prompt, answer in zip(lines, lines[1:]):
            if (prompt, answer) in seen or _is_held_out(prompt) != (split == "held_out"):
                continue
            seen.add((prompt, answer))
            prompts.append(prompt)
            answers.append(answer)
    return prompts, answers


def dialogue_task(train_size, validation_size, vocabulary_size=VOCABULARY_SIZE, vocabulary=None):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for a recipe's `"task": "dialogue"`.

    The word-piece vocabulary is learnt from the training pairs; pairs longer than
    `MAX_SOURCE_LENGTH` / `MAX_TARGET_LENGTH` tokens are left out, then the first
    `train_size` / `validation_size` pairs are kept. The data has no seed: the
    corpus and the split are fixed.
    """
    return word_piece_task(dialogue_pairs("train"), dialogue_pairs("held_out"), train_size, validation_size,
                           vocabulary_size, (MAX_SOURCE_LENGTH, MAX_TARGET_LENGTH), vocabulary)


def conversations(language=LANGUAGE):
    """Every conversation of the corpus in `language`, as a list of lines with whitespace collapsed."""
    try:
        folder = importlib.resources.files("chatterbot_corpus") / "data" / language
    except ModuleNotFoundError:
        raise InputError("the dialogue task needs the chatterbot-corpus package: "
                         "pip install chatterbot-corpus") from None
    if not folder.is_dir():
        raise InputError(f"chatterbot-corpus has no {language!r} conversations (looked in {folder})")
    for file in sorted(folder.iterdir(), key=lambda path: path.name):
        if not file.name.endswith(".yml"):
            continue
        try:
            corpus = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as error:
            raise InputError(f"{file} is not a readable YAML file: {error}") from None
        for conversation in corpus.get("conversations", []):
            lines = [" ".join(str(line).split()) for line in conversation]
            if all(lines):
                yield lines


def prompt_key(prompt):
    """What decides a prompt's split: its lowercase words, so "Hi!" and "hi" go together.

    Example:
    >>> prompt_key("Hi, how are you?") == prompt_key("hi how are YOU")
    True
    """
    return " ".join(re.findall(r"\w+", prompt.casefold()))


def _is_held_out(prompt):
    digest = hashlib.sha256(prompt_key(prompt).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % _HELD_OUT_BUCKETS == 0
