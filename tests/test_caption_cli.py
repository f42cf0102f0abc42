"""`keras-seq2seq data captioning`, `evaluate` and `predict` with the `captioning` preset, and their errors."""

import re

import pytest

import keras_seq2seq as ks
from keras_seq2seq.metrics import corpus_bleu

from conftest import run_cli as _run


def _one_line_error(code, err, command, *named):
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "function_node" not in err and "[Op:" not in err  # TensorFlow's wrapping is cut off
    assert lines[0].startswith(f"keras-seq2seq {command}: error: ")
    for text in named:
        assert text in lines[0], (text, lines[0])


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "held_out"
    code, out, err = _run(["data", "captioning", "--count", "12", "--seed", "5", "--split", "held_out",
                           "--output", folder])
    assert code == 0, err
    assert out.strip() == f"wrote 12 scenes and their captions.tsv to {folder}"
    return folder


def test_data_writes_the_generated_scenes(scenes):
    paths, captions = ks.data.load_captions(scenes)
    assert len(paths) == 12 and captions == ks.data.caption_scenes(12, seed=5, split="held_out")[1]


def test_evaluate_prints_exact_match_and_bleu(scenes):
    code, out, err = _run(["evaluate", "--preset", "captioning", "--data", scenes])
    assert code == 0, err
    match = re.fullmatch(r"exact match: (\S+)% \((\d+)/12\), BLEU-4: (\S+) on (.+)\n", out)
    assert match, out
    paths, captions = ks.data.load_captions(scenes)
    answers = ks.from_preset("captioning").generate(paths)
    right = sum(a == c for a, c in zip(answers, captions))
    assert int(match.group(2)) == right >= 9
    assert float(match.group(3)) == pytest.approx(corpus_bleu(captions, answers), abs=1e-4)


def test_predict_captions_image_files_from_arguments_and_stdin(scenes):
    paths, _ = ks.data.load_captions(scenes)
    expected = ks.from_preset("captioning").generate(paths[:2])
    code, out, err = _run(["predict", "--preset", "captioning", *paths[:2]])
    assert code == 0, err
    assert out.splitlines() == expected
    code, out, _ = _run(["predict", "--preset", "captioning"], stdin="".join(f"{p}\n" for p in paths[:2]))
    assert out.splitlines() == expected


def test_bad_images_and_data_are_one_line_errors(scenes, tmp_path):
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    _one_line_error(*_run(["predict", "--preset", "captioning", corrupt])[::2], "predict",
                    "corrupt.png is not a readable image")
    _one_line_error(*_run(["predict", "--preset", "captioning", tmp_path / "missing.png"])[::2], "predict",
                    "no image file")
    (tmp_path / "captions.tsv").write_text("corrupt.png\ta one at the top left\n")
    _one_line_error(*_run(["evaluate", "--preset", "captioning", "--data", tmp_path])[::2], "evaluate",
                    "corrupt.png is not a readable image")
    (tmp_path / "captions.tsv").write_text("corrupt.png a one at the top left\n")
    _one_line_error(*_run(["evaluate", "--preset", "captioning", "--data", tmp_path])[::2], "evaluate",
                    "captions.tsv:1: expected 'image<TAB>caption'")
    _one_line_error(*_run(["data", "captioning", "--count", "2"])[::2], "data", "give --output FOLDER")
