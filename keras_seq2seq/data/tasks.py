"""Every task in one registry: what a recipe's `"task"` trains on and what `keras-seq2seq data TASK` writes.

A new task is a data source (a module of `keras_seq2seq/data/`) and one `Task` record
in `TASKS`. The trainer (`training/data.py`) and the command line (`cli/data.py`) find
tasks here and nowhere else.

The data sources are imported when a task is used, not with this module: the command
line lists the tasks every time it starts, and `keras-seq2seq query` must not wait for
TensorFlow.

Example:
>>> recipe_task("g2p").splits, recipe_task("g2p").default_split
(('train', 'dev', 'test'), 'dev')
>>> COMMAND_TASKS["captioning"].name  # the image task: `scenes` in recipes
'scenes'
>>> recipe_task("multiplication")
Traceback (most recent call last):
...
keras_seq2seq.errors.RecipeError: unknown task 'multiplication' (known: addition, date, scenes, dialogue, ...)
"""

import dataclasses
import sys
from typing import Callable, Optional

from keras_seq2seq.data.hash_split import SPLITS  # train, dev, test: the fixed corpora's
from keras_seq2seq.data.tsv import write_pairs
from keras_seq2seq.errors import InputError, RecipeError


def characters(vocabulary):
    """`(tokenizer, None)`: one character tokenizer for sources and targets (also a TSV recipe's)."""
    from keras_seq2seq.text import CharTokenizer

    return CharTokenizer(vocabulary), None


@dataclasses.dataclass(frozen=True)
class Task:
    """One task: its recipe data, tokenizers, and the splits `keras-seq2seq data` writes.

    `recipe_data(data, seed, vocabulary)` gives `(train_pairs, validation_pairs, vocabulary,
    lengths)` for a recipe's `data` section (see `training.data.load_data`); `vocabulary` is a
    word-piece vocabulary learnt before, which the other tasks ignore. `tokenizers(vocabulary)`
    gives `(tokenizer, target_tokenizer)`, None when the targets share the tokenizer.
    `write(output, split, count, seed)` writes `count` pairs of `split` to `output` (a file, or
    "-" for standard output; captioning: a folder); `count` is `default_count` unless the user gives it.
    """

    name: str
    recipe_data: Callable
    write: Callable
    tokenizers: Callable = characters
    splits: tuple = ("train", "held_out")
    default_split: str = "held_out"
    default_count: Optional[int] = 10000  # None: all the pairs of the split
    report: Optional[Callable] = None  # () -> lines: what `keras-seq2seq data TASK --stats` prints
    command_name: Optional[str] = None  # the task's name in `keras-seq2seq data` when it is not `name`
    images: bool = False  # sources are images: the task trains an `ImageCaptioner`


def write_tsv(output, sources, targets):
    """Writes `source<TAB>target` lines to the file `output`, or to standard output for "-"."""
    try:
        write_pairs(sys.stdout if output == "-" else output, sources, targets)
    except OSError as error:
        raise InputError(f"cannot write {output}: {error.strerror}") from None


def _first(count, pairs):
    """The first `count` (None: all) of `(sources, targets)`."""
    return tuple(texts[:count] for texts in pairs)


# addition: a + b, drawn from a seed.


def _addition_data(data, seed, vocabulary):
    from keras_seq2seq.data import addition

    train = addition.addition_pairs(data["train_size"], seed, "train", balance_digits=data["balance_digits"])
    validation = addition.addition_pairs(data["validation_size"], seed=seed + 1, split="held_out")
    return train, validation, addition.VOCABULARY, (addition.MAX_SOURCE_LENGTH, addition.MAX_TARGET_LENGTH)


def _write_addition(output, split, count, seed):
    from keras_seq2seq.data.addition import addition_pairs

    write_tsv(output, *addition_pairs(count, seed=seed, split=split))


# date: dates written many ways, drawn from a seed.


def _date_data(data, seed, vocabulary):
    from keras_seq2seq.data import dates

    # Sources as the model reads them: normalised and marked with their reading (see dates.training_pairs).
    train = dates.training_pairs(data["train_size"], seed, "train")
    validation = dates.training_pairs(data["validation_size"], seed=seed + 1, split="held_out")
    return train, validation, dates.VOCABULARY, (dates.MAX_SOURCE_LENGTH, dates.MAX_TARGET_LENGTH)


def _write_dates(output, split, count, seed):
    from keras_seq2seq.data.dates import date_pairs

    write_tsv(output, *date_pairs(count, seed=seed, split=split))


# scenes: images of digits and their captions, drawn from a seed.


def _scenes_data(data, seed, vocabulary):
    """Images, not texts: lengths are `(image shape (height, width, channels), max_caption_length)`."""
    from keras_seq2seq.data import scenes

    train = scenes.caption_scenes(data["train_size"], seed, "train")
    validation = scenes.caption_scenes(data["validation_size"], seed + 1, "held_out")
    return train, validation, scenes.VOCABULARY, ((*scenes.IMAGE_SIZE, scenes.CHANNELS), scenes.MAX_CAPTION_LENGTH)


def _write_scenes(output, split, count, seed):
    """Writes a folder of PNG scenes and their captions.tsv (refused before drawing any scene for "-")."""
    from keras_seq2seq.data import caption_scenes, write_captions

    if output == "-":
        raise InputError("captioning data is a folder of PNG images and captions.tsv: give --output FOLDER")
    images, captions = caption_scenes(count, seed=seed, split=split)
    write_captions(output, images, captions)
    print(f"wrote {len(captions)} scenes and their captions.tsv to {output}")


# Word-piece tasks: fixed corpora of words, one vocabulary learnt for both sides.


def _word_pieces(vocabulary):
    """`(tokenizer, None)`: one word-piece tokenizer for sources and targets."""
    from keras_seq2seq.text import WordPieceTokenizer

    return WordPieceTokenizer(vocabulary), None


def _word_piece_data(make_task, data, vocabulary, **options):
    """`make_task`'s data: the first `train_size` / `validation_size` pairs that fit, a vocabulary learnt
    (or `vocabulary`, when given).

    `vocabulary_size` (None: the task's own) is for every word-piece task; `phrases` only for the task
    that takes it in `options` (translation).
    """
    if data.get("phrases") and "phrases" not in options:
        raise RecipeError("phrases applies only to the translation task")
    if data.get("vocabulary_size") is not None:
        options["vocabulary_size"] = data["vocabulary_size"]
    return make_task(data["train_size"], data["validation_size"], vocabulary=vocabulary, **options)


def _dialogue_data(data, seed, vocabulary):
    from keras_seq2seq.data.dialogue import dialogue_task

    return _word_piece_data(dialogue_task, data, vocabulary)


def _write_dialogue(output, split, count, seed):
    from keras_seq2seq.data.dialogue import dialogue_pairs

    write_tsv(output, *_first(count, dialogue_pairs(split)))


def _translation_data(data, seed, vocabulary):
    from keras_seq2seq.data.ding import translation_task

    return _word_piece_data(translation_task, data, vocabulary, phrases=bool(data.get("phrases")))


def _write_translation(output, split, count, seed):
    from keras_seq2seq.data.ding import translation_pairs

    write_tsv(output, *_first(count, translation_pairs(split)))


def _translation_report():
    from keras_seq2seq.data.ding import dictionary_report

    return dictionary_report()


def _chitchat_data(data, seed, vocabulary):
    from keras_seq2seq.data.chitchat import chitchat_task

    return _word_piece_data(chitchat_task, data, vocabulary)


def _write_chitchat(output, split, count, seed):
    from keras_seq2seq.data.chitchat import chitchat_pairs

    write_tsv(output, *_first(count, chitchat_pairs(split)))


def _chitchat_report():
    from keras_seq2seq.data.chitchat import chitchat_report

    return chitchat_report()


# g2p: CMUdict's words and their phones, in its fixed split.


def _g2p_data(data, seed, vocabulary):
    """The whole train and dev splits (train_size and validation_size do not apply), never the test split."""
    from keras_seq2seq.data import pronunciations

    train, validation = pronunciations.g2p_pairs("train"), pronunciations.g2p_pairs("dev")
    words, phones = train[0] + validation[0], train[1] + validation[1]
    lengths = (max(map(len, words)), max(len(text.split()) for text in phones))  # letters, phones
    return train, validation, list(pronunciations.LETTERS), lengths


def _letters_and_phones(vocabulary):
    from keras_seq2seq.data.pronunciations import PHONES
    from keras_seq2seq.text import CharTokenizer, SymbolTokenizer

    return CharTokenizer(vocabulary), SymbolTokenizer(PHONES)


def _write_g2p(output, split, count, seed):
    from keras_seq2seq.data.pronunciations import g2p_pairs

    write_tsv(output, *_first(count, g2p_pairs(split)))


TASKS = (
    Task("addition", _addition_data, _write_addition),
    Task("date", _date_data, _write_dates),
    Task("scenes", _scenes_data, _write_scenes, command_name="captioning", images=True),
    Task("dialogue", _dialogue_data, _write_dialogue, tokenizers=_word_pieces),  # the corpus's pairs, no seed
    Task("g2p", _g2p_data, _write_g2p, tokenizers=_letters_and_phones, splits=SPLITS, default_split="dev",
         default_count=None),
    Task("translation", _translation_data, _write_translation, tokenizers=_word_pieces, splits=SPLITS,
         default_split="test", default_count=None, report=_translation_report),
    Task("chitchat", _chitchat_data, _write_chitchat, tokenizers=_word_pieces, splits=SPLITS,
         default_split="test", default_count=None, report=_chitchat_report),
)
RECIPE_TASKS = {task.name: task for task in TASKS}
COMMAND_TASKS = {task.command_name or task.name: task for task in TASKS}


def recipe_task(name):
    """The task a recipe's `"task": name` names; a `RecipeError` listing the known ones if none does."""
    if name not in RECIPE_TASKS:
        raise RecipeError(f"unknown task {name!r} (known: {', '.join(RECIPE_TASKS)})")
    return RECIPE_TASKS[name]
