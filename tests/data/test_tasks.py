"""The task registry: one record per task, found by its recipe name or its `keras-seq2seq data` name."""

import subprocess
import sys
from pathlib import Path

import pytest

from keras_seq2seq import InputError, RecipeError
from keras_seq2seq.data import addition_pairs, load_pairs
from keras_seq2seq.data.tasks import COMMAND_TASKS, RECIPE_TASKS, TASKS, recipe_task, write_tsv
from keras_seq2seq.text import CharTokenizer, SymbolTokenizer, WordPieceTokenizer

ROOT = Path(__file__).resolve().parents[2]


def test_every_task_is_found_by_its_recipe_name_and_its_command_name():
    assert list(RECIPE_TASKS) == ["addition", "date", "scenes", "dialogue", "g2p", "translation", "chitchat"]
    assert list(COMMAND_TASKS) == ["addition", "date", "captioning", "dialogue", "g2p", "translation", "chitchat"]
    assert COMMAND_TASKS["captioning"] is recipe_task("scenes")
    assert all(task.default_split in task.splits for task in TASKS)


@pytest.mark.parametrize("name", ["multiplication", "captioning"])  # captioning is the command's name, not a recipe's
def test_an_unknown_recipe_task_is_a_recipe_error_naming_the_known_ones(name):
    with pytest.raises(RecipeError, match=f"unknown task '{name}' \\(known: addition, date, scenes, dialogue, g2p"):
        recipe_task(name)


def test_the_tokenizers_follow_the_task():
    assert isinstance(recipe_task("date").tokenizers(list("0123456789-"))[0], CharTokenizer)
    assert recipe_task("date").tokenizers(list("0123456789-"))[1] is None
    source, target = recipe_task("g2p").tokenizers(list("abc"))
    assert isinstance(source, CharTokenizer) and isinstance(target, SymbolTokenizer)
    assert isinstance(recipe_task("chitchat").tokenizers(["hi", "there"])[0],
                      WordPieceTokenizer)


def test_addition_recipe_data_and_written_split(tmp_path):
    data = {"task": "addition", "train_size": 20, "validation_size": 5, "balance_digits": 0.0}
    train, validation, vocabulary, lengths = recipe_task("addition").recipe_data(data, 3, None)
    assert (len(train[0]), len(validation[0]), lengths) == (20, 5, (7, 4))
    assert not set(train[0]) & set(validation[0])  # validation comes from the held-out split
    COMMAND_TASKS["addition"].write(tmp_path / "pairs.tsv", "held_out", 4, 3)
    assert load_pairs(tmp_path / "pairs.tsv") == addition_pairs(4, seed=3, split="held_out")


def test_write_tsv_writes_standard_output_for_a_dash_and_names_a_file_it_cannot_write(tmp_path, capsys):
    write_tsv("-", ["1+2"], ["3"])
    assert capsys.readouterr().out == "1+2\t3\n"
    with pytest.raises(InputError, match="cannot write .*missing"):
        write_tsv(tmp_path / "missing" / "pairs.tsv", ["1+2"], ["3"])


def test_the_captioning_task_refuses_standard_output():
    with pytest.raises(InputError, match="give --output FOLDER"):
        COMMAND_TASKS["captioning"].write("-", "held_out", 2, 0)


def test_reading_the_registry_imports_no_tensorflow():
    code = "import sys, keras_seq2seq.data.tasks; print('tensorflow' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.stdout.strip() == "False", run.stderr
