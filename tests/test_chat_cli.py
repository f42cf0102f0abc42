"""`keras-seq2seq chat`, `data dialogue` and `evaluate` on the chatbot: the loop survives bad messages,
the held-out file is the corpus's split, and answers are scored as the tokenizer sees them.
"""

import io
import re

import pytest

import keras_seq2seq as ks
from keras_seq2seq.chat import chat
from keras_seq2seq.cli import main
from keras_seq2seq.data import dialogue_pairs, load_pairs, write_pairs

PROMPTS = ["What is AI?", "Do you like music?", "Tell me a joke."]


@pytest.fixture(scope="module")
def chatbot():
    if "chatbot" not in ks.models.zoo_names():
        pytest.skip("the zoo has no chatbot preset yet")
    return ks.from_preset("chatbot")


def _chat_command(monkeypatch, capsys, typed):
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    code = main(["chat", "--preset", "chatbot"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_chat_answers_each_line_and_goes_on_after_bad_messages(chatbot, monkeypatch, capsys):
    typed = f"{PROMPTS[0]}\n\n{'hi, ' * 25_000}\n{PROMPTS[1]}\nquit\n{PROMPTS[2]}\n"
    code, out, err = _chat_command(monkeypatch, capsys, typed)
    assert code == 0
    assert out == chatbot.generate(PROMPTS[:2])  # nothing after "quit"
    assert err == [
        "error: the input is empty: give at least one word",
        "error: 'hi, hi, hi, hi, hi, hi, hi, hi, hi, hi, '... has 50000 tokens (words, word pieces and "
        "punctuation marks); this model accepts at most 48",
    ]


def test_chat_ends_quietly_at_end_of_input(chatbot, monkeypatch, capsys):
    code, out, err = _chat_command(monkeypatch, capsys, f"{PROMPTS[2]}\n")
    assert (code, out, err) == (0, chatbot.generate(PROMPTS[2:]), [])


def test_chat_stops_on_ctrl_c_between_messages(chatbot):
    def typed():
        yield PROMPTS[0]
        raise KeyboardInterrupt

    answers, errors = io.StringIO(), io.StringIO()
    assert chat(chatbot, typed(), answers, errors) == 1
    assert answers.getvalue().splitlines() == chatbot.generate(PROMPTS[:1])


def test_data_dialogue_writes_the_held_out_split(tmp_path, capsys):
    path = tmp_path / "held_out.tsv"
    assert main(["data", "dialogue", "--split", "held_out", "--output", str(path)]) == 0
    assert load_pairs(path) == dialogue_pairs("held_out")
    assert main(["data", "dialogue", "--split", "train", "--count", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{p}\t{a}" for p, a in zip(*dialogue_pairs("train"))][:3]


def test_evaluate_compares_words_not_case_or_spacing(chatbot, tmp_path, capsys):
    answers = chatbot.generate(PROMPTS)
    # The references are the model's own answers, upper-cased and re-spaced, plus a wrong second reference.
    references = [re.sub(r"([,.!?])", r" \1 ", answer.upper()) for answer in answers]
    write_pairs(tmp_path / "own.tsv", PROMPTS + PROMPTS[:1], references + ["something else entirely"])
    assert main(["evaluate", "--preset", "chatbot", "--data", str(tmp_path / "own.tsv")]) == 0
    first, bleu, *_ = capsys.readouterr().out.splitlines()
    assert first == (
        f"exact match: 100.00% (3/3), BLEU-4: 1.0000 on {tmp_path / 'own.tsv'} "
        "(3 distinct sources, 4 reference answers)"
    )
    assert bleu.startswith("sacreBLEU: 100.00 (nrefs:var|case:lc|") and "chrF: 100.00" in bleu
    write_pairs(tmp_path / "other.tsv", PROMPTS, ["the cat sat on the mat"] * 3)
    assert main(["evaluate", "--preset", "chatbot", "--data", str(tmp_path / "other.tsv")]) == 0
    assert re.match(r"exact match: 0\.00% \(0/3\), BLEU-4: 0\.\d{4} on .*\n", capsys.readouterr().out)
