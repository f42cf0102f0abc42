"""Beam search through the model: generate, export and the command line."""

import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.cli import main
from keras_seq2seq.errors import InputError
from keras_seq2seq.export import export
from keras_seq2seq.export.op_check import forbidden_ops


@pytest.fixture(scope="module")
def addition():
    return ks.from_preset("addition")


@pytest.fixture(scope="module")
def held_out():
    return ks.data.addition_pairs(500, seed=11, split="held_out")


def test_beam_width_one_is_greedy(addition, held_out):
    questions = held_out[0][:100]
    assert addition.generate(questions, beam_width=1) == addition.generate(questions)


def test_beam_is_not_worse_than_greedy_on_held_out_questions(addition, held_out):
    questions, answers = held_out

    def exact(predictions):
        return sum(p == a for p, a in zip(predictions, answers))

    greedy, beam = exact(addition.generate(questions)), exact(addition.generate(questions, beam_width=4))
    assert beam >= greedy
    assert greedy > 0.95 * len(answers)


def test_beam_scores_are_at_least_the_greedy_scores(addition, held_out):
    source_ids = tf.constant(addition.tokenizer.encode(held_out[0][:64], addition.max_source_length))
    _, greedy_scores = addition.decode_ids(source_ids)
    _, beam_scores = addition.decode_ids(source_ids, beam_width=4)
    assert bool(tf.reduce_all(beam_scores >= greedy_scores - 1e-4))


def test_a_beam_width_below_one_is_an_error(addition):
    with pytest.raises(InputError, match="beam_width"):
        addition.generate(["1+1"], beam_width=0)


# A length penalty by default: test_decoding_cli.py's test_export_takes_the_length_penalty_and_adds_the_n_best_signature.
@pytest.mark.parametrize("length_penalty", [0.0, pytest.param(2.0, marks=pytest.mark.slow)])
def test_exported_beam_search_answers_like_generate(addition, held_out, tmp_path, length_penalty):
    path = export(addition, tmp_path / "addition", beam_width=3, length_penalty=length_penalty, num_return_sequences=3)
    assert forbidden_ops(path) == []
    signatures = tf.saved_model.load(str(path)).signatures
    questions = held_out[0][:20]
    outputs = [o.decode() for o in signatures["serving_default"](text=tf.constant(questions))["output"].numpy()]
    assert outputs == addition.generate(questions, beam_width=3, length_penalty=length_penalty)
    n_best = signatures["n_best"](text=tf.constant(questions))
    expected = addition.generate(questions, beam_width=3, length_penalty=length_penalty, num_return_sequences=3)
    for row, hypotheses in enumerate(expected):
        assert [o.decode() for o in n_best["output"].numpy()[row]] == [h.text for h in hypotheses]
        assert n_best["score"].numpy()[row] == pytest.approx([h.score for h in hypotheses], abs=1e-4)
        assert n_best["ranking_score"].numpy()[row] == pytest.approx([h.ranking_score for h in hypotheses], abs=1e-4)


def test_export_refuses_options_it_cannot_decode_and_writes_nothing(addition, tmp_path):
    with pytest.raises(InputError, match="num_return_sequences"):
        export(addition, tmp_path / "addition", beam_width=2, num_return_sequences=3)
    assert not (tmp_path / "addition").exists()


def test_predict_with_a_beam(capsys):
    assert main(["predict", "--preset", "addition", "--beam-width", "3", "16+75", "52+607"]) == 0
    assert capsys.readouterr().out.split() == ["91", "659"]
