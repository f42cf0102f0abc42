import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq import InputError
from keras_seq2seq.data.pronunciations import PHONES
from keras_seq2seq.text import SymbolTokenizer
from keras_seq2seq.text.special_tokens import END_ID, PAD_ID, START_ID, UNKNOWN_ID


@pytest.fixture(scope="module")
def tokenizer():
    return SymbolTokenizer(["AH", "HH", "L", "OW", "ah"])  # ids 4-8; case is kept: "ah" is another symbol


def test_symbols_get_ids_in_vocabulary_order_and_pad_right(tokenizer):
    assert tokenizer.vocabulary_size == 5 + 4
    ids = tokenizer.encode(["HH AH L OW", "ah", " L\t OW\n"], length=5)
    assert ids.dtype == np.int32
    assert ids.tolist() == [[5, 4, 6, 7, 0], [8, 0, 0, 0, 0], [6, 7, 0, 0, 0]]
    assert tokenizer.encode(["L"], length=3, add_start=True, add_end=True).tolist() == [[START_ID, 6, END_ID]]


def test_unknown_symbols_map_to_the_unknown_id(tokenizer):
    # "Ah" and "HH\xa0AH" (a no-break space is not a separator) are not in the vocabulary.
    assert tokenizer.encode(["HH Ah L", "HH\xa0AH"], length=3).tolist() == [[5, UNKNOWN_ID, 6], [UNKNOWN_ID, 0, 0]]


def test_decode_joins_with_single_spaces_stops_at_end_and_drops_special_ids(tokenizer):
    ids = [
        [5, 4, END_ID, 6, 7],
        [START_ID, 6, UNKNOWN_ID, 7, PAD_ID],
        [7, 7, 7, 7, 7],
        [END_ID, 4, 4, 4, 4],
    ]
    assert tokenizer.decode(ids) == ["HH AH", "L OW", "OW OW OW OW OW", ""]


def test_the_39_phones_round_trip():
    tokenizer = SymbolTokenizer(PHONES)
    text = " ".join(PHONES)
    assert tokenizer.decode(tokenizer.encode([text], length=40, add_end=True)) == [text]


def test_tokenize_and_detokenize_run_inside_tf_function(tokenizer):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
    def round_trip(texts):
        ids = tokenizer.tokenize(texts).to_tensor()
        return ids, tokenizer.detokenize(ids)

    ids, texts = round_trip(tf.constant(["HH  OW", "L"]))
    assert ids.numpy().tolist() == [[5, 7], [6, 0]]
    assert [t.decode() for t in texts.numpy()] == ["HH OW", "L"]


def test_normalize_collapses_spaces_and_keeps_case(tokenizer):
    assert tokenizer.normalize([" HH  AH\tl ", ""]) == ["HH AH l", ""]


def test_check_accepts_known_symbols(tokenizer):
    assert tokenizer.check(" HH  OW ", max_length=2) == " HH  OW "
    assert tokenizer.check(b"L", max_length=2) == "L"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "empty"),
        (" \t ", "empty"),
        ("HH AH L OW", "'HH AH L OW' has 4 symbols; this model accepts at most 3"),
        ("HH xx Ah", "symbols 'Ah', 'xx' not in the vocabulary"),
        (b"HH \xff", "not valid UTF-8"),
        (None, "expected a string"),
    ],
)
def test_check_rejects_bad_text_naming_it(tokenizer, text, expected):
    with pytest.raises(InputError, match=expected):
        tokenizer.check(text, max_length=3)


@pytest.mark.parametrize("vocabulary", [["AH", "AH"], ["A H"], [""], ["[END]"]])
def test_bad_vocabulary_is_rejected(vocabulary):
    with pytest.raises(InputError, match="vocabulary"):
        SymbolTokenizer(vocabulary)


def test_from_texts_and_keras_serialization(tokenizer):
    assert SymbolTokenizer.from_texts(["L OW", "HH AH L OW"]).vocabulary == ["AH", "HH", "L", "OW"]
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(tokenizer))
    assert isinstance(clone, SymbolTokenizer) and clone.vocabulary == tokenizer.vocabulary
    np.testing.assert_array_equal(clone.encode(["HH ah"], 3), tokenizer.encode(["HH ah"], 3))
