"""WordPieceTokenizer: CharTokenizer's interface over lowercase words and word pieces, in graphs too."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq import InputError
from keras_seq2seq.text import WordPieceTokenizer
from keras_seq2seq.text.special_tokens import END_ID, PAD_ID, START_ID, UNKNOWN_ID

# ids from 4 in this order
VOCABULARY = ["!", ",", ".", "?", "'", "are", "how", "hi", "you", "i", "m", "fine", "play", "##ing", "h", "##ey"]
ID = {token: index + 4 for index, token in enumerate(VOCABULARY)}
CORPUS = ["Hi, how are you?", "I'm fine.", "Playing, playing, playing!", "How are you playing?"] * 3


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer(VOCABULARY)


def test_special_ids_and_vocabulary_size(tokenizer):
    assert (PAD_ID, UNKNOWN_ID, START_ID, END_ID) == (0, 1, 2, 3)
    assert tokenizer.vocabulary_size == len(VOCABULARY) + 4
    assert tokenizer.unit == "token" and tokenizer.unknown_is_error is False


def test_lowercases_splits_punctuation_and_cuts_words_into_pieces(tokenizer):
    ids = tokenizer.encode(["HI, how are you?", "Playing!"], length=6)
    assert ids.dtype == np.int32
    assert ids.tolist() == [
        [ID["hi"], ID[","], ID["how"], ID["are"], ID["you"], ID["?"]],
        [ID["play"], ID["##ing"], ID["!"], 0, 0, 0],
    ]
    assert tokenizer.encode(["hey"], 4, add_start=True, add_end=True).tolist() == [[2, ID["h"], ID["##ey"], 3]]


def test_unknown_words_get_the_unknown_id_not_an_error(tokenizer):
    assert tokenizer.encode(["hi 🦜 zebra you"], length=4).tolist() == [[ID["hi"], UNKNOWN_ID, UNKNOWN_ID, ID["you"]]]
    assert tokenizer.check("hi 🦜 zebra", max_length=3) == "hi 🦜 zebra"


def test_decode_stops_at_end_drops_special_ids_and_joins_punctuation(tokenizer):
    ids = np.array(
        [
            [ID["i"], ID["'"], ID["m"], ID["fine"], ID[","], ID["hi"], ID["!"], END_ID, ID["you"]],
            [START_ID, ID["play"], ID["##ing"], UNKNOWN_ID, ID["?"], PAD_ID, PAD_ID, PAD_ID, PAD_ID],
            [END_ID, ID["hi"], 0, 0, 0, 0, 0, 0, 0],
        ]
    )
    assert tokenizer.decode(ids) == ["i'm fine, hi!", "playing?", ""]


def test_normalize_is_the_form_answers_are_compared_in(tokenizer):
    assert tokenizer.normalize(["Hi, I'm  FINE.", "Café 🦜!"]) == ["hi , i ' m fine .", "cafe 🦜 !"]
    # A decoded answer normalizes like the text it came from.
    text = "I'm fine, how are you playing?"
    assert tokenizer.normalize(tokenizer.decode(tokenizer.encode([text], 12))) == tokenizer.normalize([text])


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("  \t ", "empty"),
        ("hi " * 7, "has 7 tokens .*at most 6"),
        (b"\xff\xfe", "not valid UTF-8"),
        ("hi \udcff", "bytes that are not UTF-8"),
        (3, "expected a string"),
    ],
)
def test_check_names_the_problem(tokenizer, text, message):
    with pytest.raises(InputError, match=message):
        tokenizer.check(text, max_length=6)


def test_check_rejects_a_100_kb_message(tokenizer):
    with pytest.raises(InputError, match=r"has 50000 tokens .*at most 6"):
        tokenizer.check("hi, " * 25_000, max_length=6)  # 100 kB: 25,000 words and 25,000 commas


def test_tokenize_and_detokenize_run_inside_tf_function(tokenizer):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def round_trip(texts):
        return tokenizer.detokenize(tokenizer.tokenize(texts).to_tensor())

    assert [t.decode() for t in round_trip(tf.constant(["Hi, how are you?", "I'm fine."])).numpy()] == [
        "hi, how are you?",
        "i'm fine.",
    ]


def test_from_texts_learns_the_corpus_words_deterministically():
    first = WordPieceTokenizer.from_texts(CORPUS)
    assert first.vocabulary == WordPieceTokenizer.from_texts(CORPUS).vocabulary
    assert {"how", "are", "you", "playing", ",", "?"} <= set(first.vocabulary)
    assert first.decode(first.encode(["How are you playing?"], 6)) == ["how are you playing?"]
    with pytest.raises(InputError, match="no texts"):
        WordPieceTokenizer.from_texts([])


def test_config_round_trip_through_keras_serialization(tokenizer):
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(tokenizer)))
    assert config["registered_name"] == "keras_seq2seq>WordPieceTokenizer"
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is WordPieceTokenizer and restored.vocabulary == VOCABULARY
    assert restored.encode(["hi you"], 3).tolist() == tokenizer.encode(["hi you"], 3).tolist()


@pytest.mark.parametrize("vocabulary", [["hi", "hi"], ["hi there"], [""], ["[UNK]"]])
def test_bad_vocabulary(vocabulary):
    with pytest.raises(InputError, match="vocabulary"):
        WordPieceTokenizer(vocabulary)
