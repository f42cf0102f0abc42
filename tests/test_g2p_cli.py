"""The command line's g2p parts: `data g2p` writes a split, `evaluate` scores pronunciations by WER and PER."""


import pytest

import keras_seq2seq as ks
from keras_seq2seq.data import g2p_pairs
from keras_seq2seq.text import CharTokenizer, SymbolTokenizer
from conftest import run_cli


def test_data_g2p_writes_a_split_a_line_per_pronunciation(tmp_path):
    output = tmp_path / "dev.tsv"
    code, out, err = run_cli(["data", "g2p", "--split", "dev", "--output", output])
    assert code == 0, err
    words, pronunciations = g2p_pairs("dev")
    assert output.read_text().splitlines() == [f"{w}\t{p}" for w, p in zip(words, pronunciations)]
    assert "hello\tHH AH L OW\nhello\tHH EH L OW\n" in output.read_text()  # sha1("hello") = aaf4c61d...: dev
    code, out, _ = run_cli(["data", "g2p", "--split", "test", "--count", 2])
    assert code == 0 and out.splitlines() == [f"{w}\t{p}" for w, p in zip(*(t[:2] for t in g2p_pairs("test")))]


@pytest.mark.parametrize("argv, named", [(["data", "g2p", "--split", "held_out"], "train, dev, test"),
                                         (["data", "addition", "--split", "dev"], "train, held_out")])
def test_data_rejects_a_split_of_another_task(argv, named):
    code, out, err = run_cli(argv)
    assert code == 2 and not out and err.count("\n") == 1 and named in err


class FakeG2p:
    """What `evaluate` reads of a model: its input kind, tokenizers and `generate` (here a fixed lexicon)."""

    input_kind = "text"

    def __init__(self, answers):
        self.tokenizer = CharTokenizer(list("abcdefghijklmnopqrstuvwxyz'"))
        self.target_tokenizer = SymbolTokenizer(["AH", "EH", "HH", "L", "OW", "W", "ER", "D", "R", "IY"])
        self.answers = answers
        self.output_check = None

    def generate(self, texts, **options):
        return [self.answers[text] for text in texts]


def test_evaluate_reports_wer_and_per_against_every_reference(tmp_path, monkeypatch):
    data = tmp_path / "words.tsv"
    data.write_text("hello\tHH AH L OW\nhello\tHH EH L OW\nworld\tW ER L D\nread\tR IY D\n")
    model = FakeG2p({"hello": "HH EH L OW", "world": "W ER L", "read": ""})
    monkeypatch.setattr(ks, "from_preset", lambda preset: model)
    code, out, err = run_cli(["evaluate", "--preset", "g2p", "--data", data])
    assert code == 0, err
    # hello matches its second reference; world misses one phone of 4; read's empty answer misses all 3.
    assert out == (f"exact match: 33.33% (1/3), WER: 66.67%, PER: 36.36% on {data} "
                   "(3 distinct words, 4 reference pronunciations)\n")


@pytest.mark.skipif("g2p" not in ks.models.zoo_names(), reason="the g2p preset is not in this checkout")
def test_the_g2p_preset_answers_words_typed_any_case_and_one_clear_error_for_others():
    code, out, err = run_cli(["predict", "--preset", "g2p", "world", " World ", "WORLD"])
    assert code == 0, err
    assert out.splitlines() == ["W ER L D"] * 3
    code, out, err = run_cli(["predict", "--preset", "g2p", "r2d2"])
    assert code == 2 and not out and err.count("\n") == 1 and "character '2' not in the vocabulary" in err
