"""The attention heatmap, from Python and from the command line."""

import keras
import pytest
from PIL import Image

import keras_seq2seq as ks
from keras_seq2seq.cli import main
from keras_seq2seq.errors import InputError
from keras_seq2seq.plots import plot_attention


@pytest.fixture
def attention_preset(tokenizer, tmp_path):
    keras.utils.set_random_seed(0)
    model = ks.models.AttentionSeq2Seq(tokenizer=tokenizer, embedding_dim=4, hidden_dim=8, reverse_source=True,
                                       max_source_length=4, max_target_length=4)
    model.save_to_preset(tmp_path / "preset")
    return tmp_path / "preset"


def test_the_command_draws_a_png(attention_preset, tmp_path, capsys):
    output = tmp_path / "plot.png"
    assert main(["attention", "--preset", str(attention_preset), "--output", str(output), "abca"]) == 0
    assert "attention drawn in" in capsys.readouterr().out
    with Image.open(output) as image:
        assert image.format == "PNG" and image.size[0] > 100 and image.size[1] > 100


def test_a_model_without_attention_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no attention"):
        plot_attention(ks.from_preset("addition"), "1+1", tmp_path / "plot.png")


def test_bad_text_is_an_error(attention_preset, tmp_path, capsys):
    assert main(["attention", "--preset", str(attention_preset), "--output", str(tmp_path / "p.png"), "xyz"]) == 2
    assert "not in the vocabulary" in capsys.readouterr().err


def test_an_empty_answer_gets_one_row_for_the_end(attention_preset):
    model = ks.from_preset(attention_preset)
    (weights,) = model.attention_weights(["abca"], [""])
    assert weights.shape == (1, 4)


def test_the_plot_decodes_once_and_returns_the_greedy_answer(attention_preset, tmp_path, monkeypatch):
    model = ks.from_preset(attention_preset)
    expected = model.generate(["abca"])[0]
    searches = []
    search = model.search
    monkeypatch.setattr(model, "search", lambda *args, **kwargs: searches.append(1) or search(*args, **kwargs))
    assert plot_attention(model, "abca", tmp_path / "plot.png") == expected
    assert len(searches) == 1
