"""The decoding flags of `predict`, `evaluate`, `chat` and `export` on the addition preset."""

import json
import urllib.request

import pytest
import tensorflow as tf
from conftest import run_cli

import keras_seq2seq as ks
from keras_seq2seq.data import write_pairs

QUESTIONS = ["16+75", "52+607", "999+999", "1+1", "300+7", "8+80"]


@pytest.fixture(scope="module")
def addition():
    return ks.from_preset("addition")


def test_predict_n_best_prints_ranked_hypotheses_with_scores(addition):
    code, out, err = run_cli(["predict", "--preset", "addition", "--n-best", "3", "--length-penalty", "0.6",
                              *QUESTIONS])  # fmt: skip
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == 3 * len(QUESTIONS) and all(len(row) == 5 for row in rows)
    expected = addition.generate(QUESTIONS, beam_width=3, num_return_sequences=3, length_penalty=0.6)
    for index, (question, hypotheses) in enumerate(zip(QUESTIONS, expected)):
        block = rows[3 * index : 3 * index + 3]
        assert [row[0] for row in block] == [question] * 3
        assert [row[1] for row in block] == ["1", "2", "3"]
        assert [row[2] for row in block] == [hypothesis.text for hypothesis in hypotheses]
        assert [float(row[3]) for row in block] == pytest.approx([h.score for h in hypotheses], abs=1e-4)
        ranking = [float(row[4]) for row in block]
        assert ranking == sorted(ranking, reverse=True)
    assert [row[2] for row in rows[::3]] == addition.generate(QUESTIONS, beam_width=3, length_penalty=0.6)


def test_predict_sampling_repeats_with_its_seed():
    sample = ["predict", "--preset", "addition", "--sample", "--temperature", "2.5", "--top-k", "5"]
    first = run_cli([*sample, "--seed", "7", *QUESTIONS * 5])
    assert first[0] == 0, first[2]
    assert run_cli([*sample, "--seed", "7", *QUESTIONS * 5]) == first
    assert run_cli([*sample, "--seed", "8", *QUESTIONS * 5])[1] != first[1]


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--top-k", "3"], "--sample"),
        (["--seed", "3"], "--sample"),
        (["--n-best", "4", "--beam-width", "2"], "num_return_sequences (4) must be at most beam_width (2)"),
        (["--max-length", "0"], "max_length must be at least 1"),
    ],
)
def test_predict_bad_decoding_flags_are_one_line_errors(flags, named):
    code, out, err = run_cli(["predict", "--preset", "addition", *flags, "1+1"])
    assert code == 2 and out == ""
    assert err.splitlines() == [err.strip()] and "Traceback" not in err
    assert err.startswith("keras-seq2seq predict: error: ") and named in err


def test_predict_max_length_cuts_answers():
    code, out, _ = run_cli(["predict", "--preset", "addition", "--max-length", "2", "52+607", "1+1"])
    assert code == 0 and out.split() == ["65", "2"]


def test_evaluate_takes_the_beam_and_its_length_penalty(addition, tmp_path):
    sources, targets = ks.data.addition_pairs(40, seed=5, split="held_out")
    write_pairs(tmp_path / "pairs.tsv", sources, targets)
    code, out, err = run_cli(["evaluate", "--preset", "addition", "--data", tmp_path / "pairs.tsv",
                              "--beam-width", "3", "--length-penalty", "1.0"])  # fmt: skip
    assert code == 0, err
    answers = addition.generate(sources, beam_width=3, length_penalty=1.0)
    right = sum(a == t for a, t in zip(answers, targets))
    assert f"({right}/40)" in out


def test_chat_samples_with_the_flags(addition, monkeypatch):
    code, out, err = run_cli(["chat", "--preset", "addition", "--sample", "--seed", "4", "--temperature", "3"],
                             stdin="16+75\n52+607\n")  # fmt: skip
    assert code == 0, err
    expected = [addition.generate([q], do_sample=True, seed=4, temperature=3.0)[0] for q in ("16+75", "52+607")]
    assert out.splitlines() == expected


def test_export_takes_the_length_penalty_and_adds_the_n_best_signature(addition, tmp_path):
    code, out, err = run_cli(["export", "--preset", "addition", "--base-path", tmp_path / "addition",
                              "--n-best", "2", "--length-penalty", "1.5", "--max-length", "4"])  # fmt: skip
    assert code == 0, err
    loaded = tf.saved_model.load(str(tmp_path / "addition" / "1"))
    n_best = loaded.signatures["n_best"](text=tf.constant(QUESTIONS))
    assert n_best["output"].shape == n_best["score"].shape == n_best["ranking_score"].shape == (len(QUESTIONS), 2)
    expected = addition.generate(QUESTIONS, beam_width=2, num_return_sequences=2, length_penalty=1.5, max_length=4)
    assert [[text.decode() for text in row] for row in n_best["output"].numpy()] == [
        [hypothesis.text for hypothesis in hypotheses] for hypotheses in expected
    ]
    best = loaded.signatures["serving_default"](text=tf.constant(QUESTIONS))["output"].numpy()
    assert [text.decode() for text in best] == [hypotheses[0].text for hypotheses in expected]

    # The embedded server answers the second signature by name, one list per instance.
    from keras_seq2seq.serving.model_registry import ModelConfig
    from keras_seq2seq.serving.server import ModelServer

    body = json.dumps({"signature_name": "n_best", "instances": QUESTIONS[:2]}).encode()
    config = ModelConfig("addition", tmp_path / "addition")
    with ModelServer([config], port=0, rest_api_port=0, host="127.0.0.1") as server:
        url = f"http://127.0.0.1:{server.rest_port}/v1/models/addition:predict"
        predictions = json.loads(urllib.request.urlopen(urllib.request.Request(url, data=body)).read())["predictions"]
    assert [p["output"] for p in predictions] == [[h.text for h in hypotheses] for hypotheses in expected[:2]]
    assert predictions[0]["ranking_score"] == pytest.approx([h.ranking_score for h in expected[0]], abs=1e-4)
