"""Models with a word-piece tokenizer: presets keep the tokenizer class, `generate` takes unknown words."""

import json

import keras
import pytest

import keras_seq2seq as ks
from keras_seq2seq import InputError
from keras_seq2seq.text import CharTokenizer, WordPieceTokenizer

VOCABULARY = ["!", ",", "?", "'", "hi", "how", "are", "you", "i", "m", "fine", "play", "##ing"]
MESSAGES = ["Hi, how are you?", "I'm playing!", "hi 🦜 zebra"]


@pytest.fixture
def word_model():
    keras.utils.set_random_seed(0)
    model = ks.AttentionSeq2Seq(
        tokenizer=WordPieceTokenizer(VOCABULARY), embedding_dim=6, hidden_dim=8,
        max_source_length=6, max_target_length=5,
    )
    return model


def test_preset_round_trip_keeps_the_word_piece_tokenizer(word_model, tmp_path):
    word_model.save_to_preset(tmp_path / "words")
    assert json.loads((tmp_path / "words" / "vocabulary.json").read_text()) == VOCABULARY
    config = json.loads((tmp_path / "words" / "config.json").read_text())
    assert config["model"]["config"]["tokenizer"]["registered_name"] == "keras_seq2seq>WordPieceTokenizer"
    loaded = ks.from_preset(tmp_path / "words")
    assert type(loaded.tokenizer) is WordPieceTokenizer and loaded.tokenizer.vocabulary == VOCABULARY
    assert loaded.generate(MESSAGES) == word_model.generate(MESSAGES)


def test_generate_answers_unknown_words_and_names_bad_messages(word_model):
    assert len(word_model.generate(["🦜 zebra"])) == 1
    with pytest.raises(InputError, match="empty"):
        word_model.generate(["  "])
    with pytest.raises(InputError, match="has 7 tokens .*at most 6"):
        word_model.generate(["hi, hi, hi, hi"])


def test_the_zoo_presets_keep_their_char_tokenizer():
    for name in ("addition", "date"):
        if name in ks.models.zoo_names():
            assert type(ks.from_preset(name).tokenizer) is CharTokenizer
