"""The `keras-seq2seq` command, in-process through `cli.main` and once as a real subprocess."""

import contextlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import keras_seq2seq as ks
from keras_seq2seq.cli import main
from keras_seq2seq.data import addition_pairs, load_pairs, write_pairs

from conftest import all_strings
from conftest import run_cli as _run




def _assert_one_line_error(code, err, command, *named):
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"keras-seq2seq {command}: error: ")
    for text in named:
        assert text in lines[0], (text, lines[0])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A tiny TSV recipe trained once through `keras-seq2seq train`: `(folder, preset, stdout)`."""
    folder = tmp_path_factory.mktemp("cli")
    sources = all_strings()
    random.Random(0).shuffle(sources)
    write_pairs(folder / "train.tsv", sources[:200], [s[::-1] for s in sources[:200]])
    write_pairs(folder / "valid.tsv", sources[200:240], [s[::-1] for s in sources[200:240]])
    recipe = {
        "name": "tiny",
        "seed": 3,
        "data": {"train_tsv": "train.tsv", "validation_tsv": "valid.tsv"},
        "model": {"class_name": "Seq2Seq", "embedding_dim": 4, "hidden_dim": 8},
        "training": {"epochs": 2, "batch_size": 32, "learning_rate": 0.01, "jit_compile": False},
    }
    (folder / "recipe.json").write_text(json.dumps(recipe))
    code, out, err = _run(["train", "--recipe", folder / "recipe.json", "--output", folder / "preset"])
    assert code == 0, err
    return folder, folder / "preset", out


def test_train_writes_a_preset_with_its_recipe_and_history(workspace):
    folder, preset, out = workspace
    assert {file.name for file in preset.iterdir()} == {
        "config.json",
        "model.weights.h5",
        "vocabulary.json",
        "recipe.json",
        "history.json",
        "learning_curves.png",  # training's own files (issue 5); its checkpoints are gone once the preset is in
        "logs",
    }
    assert re.search(rf"saved {re.escape(str(preset))}: validation exact match \d+\.\d\d% after 2 epochs", out)
    history = json.loads((preset / "history.json").read_text())
    assert len(history["val_exact_match"]) == 2 and len(history["seconds"]) == 2
    recipe = json.loads((preset / "recipe.json").read_text())
    assert recipe["training"]["epochs"] == 2 and recipe["data"]["train_tsv"] == str((folder / "train.tsv").resolve())
    model = ks.from_preset(preset)
    assert type(model) is ks.Seq2Seq and model.name == "tiny"
    assert model.tokenizer.vocabulary == list("abcd") and model.max_source_length == 4


def test_evaluate_prints_the_exact_match_line(workspace, tmp_path):
    _, preset, _ = workspace
    model = ks.from_preset(preset)
    sources = all_strings()[:40]
    answers = model.generate(sources)
    # Half the targets are the model's own answers, half are surely not: 50% whatever it learned.
    targets = [answer if i % 2 == 0 else answer + "x" for i, answer in enumerate(answers)]
    data = tmp_path / "eval.tsv"
    data.write_text("".join(f"{s}\t{t or 'x'}\n" for s, t in zip(sources, targets)))
    right = sum(1 for a, t in zip(answers, load_pairs(data)[1]) if a == t)
    code, out, err = _run(["evaluate", "--preset", preset, "--data", data, "--batch-size", 7])
    assert code == 0, err
    assert out == f"exact match: {right / 40:.2%} ({right}/40) on {data}\n"
    assert right == sum(1 for i, a in enumerate(answers) if i % 2 == 0 and a)


def test_predict_answers_arguments_one_per_line(workspace):
    _, preset, _ = workspace
    texts = ["abc", "d", "ddca"]
    code, out, err = _run(["predict", "--preset", preset, *texts])
    assert code == 0, err
    assert out.split("\n")[:-1] == ks.from_preset(preset).generate(texts)
    assert out.endswith("\n") and out.count("\n") == 3


def test_predict_reads_standard_input_lines(workspace):
    _, preset, _ = workspace
    code, out, err = _run(["predict", "--preset", preset], stdin="abc\r\nd\nddca\n")
    assert code == 0, err
    assert out.split("\n")[:-1] == ks.from_preset(preset).generate(["abc", "d", "ddca"])


@pytest.mark.parametrize(
    "texts, named",
    [(["ab", "abz"], ["'abz'", "'z'"]), (["abcde"], ["'abcde'", "at most 4"]), ([""], ["empty"])],
)
def test_predict_bad_text_is_one_line_naming_it(workspace, texts, named):
    _, preset, _ = workspace
    code, out, err = _run(["predict", "--preset", preset, *texts])
    assert out == ""
    _assert_one_line_error(code, err, "predict", *named)


def test_predict_bad_stdin_line(workspace):
    _, preset, _ = workspace
    code, out, err = _run(["predict", "--preset", preset], stdin="ab\nq\n")
    _assert_one_line_error(code, err, "predict", "'q'")


def test_preset_errors_are_one_line(workspace, tmp_path):
    _assert_one_line_error(*_run(["predict", "--preset", "nope", "ab"])[::2], "predict", "no preset 'nope'")
    (tmp_path / "empty").mkdir()
    code, _, err = _run(["predict", "--preset", tmp_path / "empty", "ab"])
    _assert_one_line_error(code, err, "predict", "config.json is missing")
    _, preset, _ = workspace
    broken = tmp_path / "broken"
    shutil.copytree(preset, broken)
    (broken / "config.json").write_text("{")
    code, _, err = _run(["evaluate", "--preset", broken, "--data", workspace[0] / "valid.tsv"])
    _assert_one_line_error(code, err, "evaluate", "config.json is corrupt")
    (broken / "config.json").write_bytes((preset / "config.json").read_bytes())
    (broken / "model.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    code, _, err = _run(["predict", "--preset", broken, "ab"])
    _assert_one_line_error(code, err, "predict", "model.weights.h5 cannot be loaded")


def test_evaluate_malformed_tsv_names_the_line(workspace, tmp_path):
    _, preset, _ = workspace
    data = tmp_path / "bad.tsv"
    data.write_text("ab\tba\n\ncd\tdc\nno tab\n")
    code, out, err = _run(["evaluate", "--preset", preset, "--data", data])
    _assert_one_line_error(code, err, "evaluate", f"{data}:4:", "'no tab'")
    code, out, err = _run(["evaluate", "--preset", preset, "--data", tmp_path / "missing.tsv"])
    _assert_one_line_error(code, err, "evaluate", "missing.tsv")


def test_train_recipe_errors_are_one_line(tmp_path):
    (tmp_path / "recipe.json").write_text(json.dumps({"data": {"task": "addition"}, "epoch": 3}))
    code, _, err = _run(["train", "--recipe", tmp_path / "recipe.json", "--output", tmp_path / "out"])
    _assert_one_line_error(code, err, "train", "unknown key 'epoch'")
    code, _, err = _run(["train", "--recipe", tmp_path / "nope.json", "--output", tmp_path / "out"])
    _assert_one_line_error(code, err, "train", "no recipe file")
    assert not (tmp_path / "out").exists()


def test_train_refuses_a_non_empty_output_folder(workspace):
    folder, preset, _ = workspace
    before = sorted(file.name for file in preset.iterdir())
    weights = (preset / "model.weights.h5").read_bytes()
    code, _, err = _run(["train", "--recipe", folder / "recipe.json", "--output", preset])
    _assert_one_line_error(code, err, "train", "not empty")
    assert sorted(file.name for file in preset.iterdir()) == before
    assert (preset / "model.weights.h5").read_bytes() == weights


def test_data_writes_addition_pairs(tmp_path):
    output = tmp_path / "held_out.tsv"
    code, out, err = _run(["data", "addition", "--count", 25, "--seed", 4, "--split", "held_out", "--output", output])
    assert code == 0 and out == "" and err == ""
    assert load_pairs(output) == addition_pairs(25, seed=4, split="held_out")
    code, out, _ = _run(["data", "addition", "--count", 3, "--seed", 4, "--split", "train"])
    sources, targets = addition_pairs(3, seed=4, split="train")
    assert code == 0 and out == "".join(f"{s}\t{t}\n" for s, t in zip(sources, targets))


def test_train_refuses_a_non_empty_output_folder_before_training(workspace, monkeypatch):
    folder, preset, _ = workspace

    def no_fit(*args, **kwargs):
        raise RuntimeError("fit was called although the output folder is taken")

    monkeypatch.setattr(ks.Seq2Seq, "fit", no_fit)
    code, _, err = _run(["train", "--recipe", folder / "recipe.json", "--output", preset])
    _assert_one_line_error(code, err, "train", "not empty")


def test_data_to_an_unwritable_path_is_one_line(tmp_path):
    code, _, err = _run(["data", "addition", "--count", 3, "--output", tmp_path / "no" / "such" / "dir.tsv"])
    _assert_one_line_error(code, err, "data", "dir.tsv")


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as error, contextlib.redirect_stderr(io.StringIO()):
        main([])
    assert error.value.code == 2
    with pytest.raises(SystemExit) as error, contextlib.redirect_stderr(io.StringIO()):
        main(["predict"])  # --preset is required
    assert error.value.code == 2


# === A real process: what a user sees in a terminal ===


def _command():
    script = Path(sys.executable).parent / "keras-seq2seq"
    return str(script) if script.exists() else shutil.which("keras-seq2seq")


def _environment():
    environment = dict(os.environ)
    environment.pop("KERAS_SEQ2SEQ_NATIVE_LOGS", None)
    return environment


def test_subprocess_error_is_one_line_exit_2_without_traceback():
    command = _command()
    assert command is not None, "the keras-seq2seq console script is not installed"
    run = subprocess.run(
        [command, "predict", "--preset", "nope", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(),
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    # Only our line: TensorFlow's native start-up logging is kept off the terminal.
    assert run.stderr.splitlines() == [
        "keras-seq2seq predict: error: no preset 'nope': it is neither a folder nor a zoo preset "
        f"(the zoo has: {', '.join(ks.models.zoo_names()) or 'nothing'})"
    ], run.stderr


@pytest.mark.slow  # by default: predict reading standard input in-process, and the one-line error as a process
def test_subprocess_predicts_standard_input(workspace):
    _, preset, _ = workspace
    run = subprocess.run(
        [_command(), "predict", "--preset", str(preset)],
        input="abc\nd\n",
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ks.from_preset(preset).generate(["abc", "d"])
    assert run.stderr == ""


def test_importing_the_package_and_the_cli_does_not_import_tensorflow():
    code = "import sys, keras_seq2seq, keras_seq2seq.cli; print('tensorflow' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "False", run.stderr
