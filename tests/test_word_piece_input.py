"""Bad input for word-piece models (translation, chitchat): unknown words and scripts are answered,
empty, 100 kB and non-UTF-8 messages are one clear error from Python and from the command line."""

import pytest

import keras_seq2seq as ks
from keras_seq2seq.data import write_pairs
from keras_seq2seq.text import WordPieceTokenizer
from keras_seq2seq.text.special_tokens import UNKNOWN_ID

from conftest import run_cli

VOCABULARY = ["!", ",", ".", "?", "der", "hund", "the", "dog", "is", "sleep", "##ing", "schlaft", "a", "b", "c"]
MAX_SOURCE_LENGTH = 12
UNKNOWN_TEXTS = ["Привет, как дела?", "你好 🦜", "Der Hund schläft, ʕ•ᴥ•ʔ!"]


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    model = ks.AttentionSeq2Seq(WordPieceTokenizer(VOCABULARY), embedding_dim=4, hidden_dim=8,
                                max_source_length=MAX_SOURCE_LENGTH, max_target_length=6)
    path = tmp_path_factory.mktemp("word_piece") / "preset"
    model.save_to_preset(path)
    return path


def test_unknown_words_and_scripts_become_the_unknown_piece_and_get_an_answer(preset):
    model = ks.from_preset(preset)
    ids = model.tokenizer.tokenize(UNKNOWN_TEXTS).to_list()
    assert ids[0] == [UNKNOWN_ID, 5, UNKNOWN_ID, UNKNOWN_ID, 7]  # привет , как дела ?
    assert ids[1] == [UNKNOWN_ID, UNKNOWN_ID, UNKNOWN_ID]  # 你 好 🦜: CJK characters are words of their own
    answers = model.generate(UNKNOWN_TEXTS)
    assert len(answers) == 3 and all(isinstance(answer, str) for answer in answers)


@pytest.mark.parametrize("text, message", [
    ("", "the input is empty"),
    (" \t ", "the input is empty"),
    ("hund " * 20_000, r"has 20000 tokens \(words, word pieces and punctuation marks\); this model accepts at most 12"),
    (b"der \xff hund", "is not valid UTF-8"),
    ("der \udcff hund", "holds bytes that are not UTF-8"),  # what a non-UTF-8 line read with surrogateescape gives
])
def test_empty_huge_and_non_utf8_messages_are_clear_errors(preset, text, message):
    with pytest.raises(ks.InputError, match=message):
        ks.from_preset(preset).generate([text])


def test_the_command_line_answers_unknown_scripts_and_rejects_bad_messages_in_one_line(preset):
    code, out, err = run_cli(["predict", "--preset", preset], stdin="\n".join(UNKNOWN_TEXTS) + "\n")
    assert (code, len(out.splitlines()), err) == (0, 3, "")
    for stdin, message in (("\n", "the input is empty"), ("hund " * 20_000 + "\n", "this model accepts at most 12"),
                           ("der \udcff hund\n", "holds bytes that are not UTF-8")):
        code, out, err = run_cli(["predict", "--preset", preset], stdin=stdin)
        assert code == 2 and out == "" and len(err.splitlines()) == 1, err
        assert err.startswith("keras-seq2seq predict: error: ") and message in err


def test_evaluate_leaves_out_sources_too_long_to_read_and_says_so(preset, tmp_path):
    data = tmp_path / "pairs.tsv"
    write_pairs(data, ["der hund schläft.", "hund " * 20, "Привет!"], ["the dog is sleeping.", "dog", "hi!"])
    code, out, err = run_cli(["evaluate", "--preset", preset, "--data", data])
    lines = out.splitlines()
    assert code == 0, err
    assert lines[0] == (f"left out 1 of 3 pairs of {data}: their source has more than the 12 tokens the model reads")
    assert lines[1].startswith("exact match: 0.00% (0/2), BLEU-4: ")
    assert lines[1].endswith("(2 distinct sources, 2 reference answers)")
    assert lines[2].startswith("sacreBLEU: ") and "chrF: " in lines[2]
    assert lines[3].startswith("perplexity: ") and "teacher-forced on 2 of 2 pairs" in lines[3]
    assert lines[4].startswith("distinct-1: ") and lines[4].endswith("of the 2 answers")
    (tmp_path / "bad.tsv").write_bytes(b"der hund\tthe dog\n\xff\xfe\tdog\n")
    code, out, err = run_cli(["evaluate", "--preset", preset, "--data", tmp_path / "bad.tsv"])
    assert code == 2 and "bad.tsv:2: line is not valid UTF-8" in err and len(err.splitlines()) == 1


def test_attention_weights_and_plot_have_a_row_per_answer_piece_and_a_column_per_source_piece(preset, tmp_path,
                                                                                              monkeypatch):
    import matplotlib.axes

    model = ks.from_preset(preset)
    source, answer = "Der Hund bellt.", "the dog is sleeping."
    assert model.tokenizer.pieces(answer) == ["the", "dog", "is", "sleep", "##ing", "."]
    (weights,) = model.attention_weights([source], [answer])
    assert weights.shape == (6 + 1, 4)  # the end's row; der hund [UNK] .
    labels = {}
    monkeypatch.setattr(matplotlib.axes.Axes, "set_xticks", lambda self, ticks, names: labels.update(x=names))
    monkeypatch.setattr(matplotlib.axes.Axes, "set_yticks", lambda self, ticks, names: labels.update(y=names))
    from keras_seq2seq.plots import plot_attention

    generated = plot_attention(model, source, tmp_path / "plot.png")
    assert labels["x"] == ["der", "hund", "[UNK]", "."]
    assert labels["y"] == [*model.tokenizer.pieces(generated), "<end>"]
    assert (tmp_path / "plot.png").stat().st_size > 0
