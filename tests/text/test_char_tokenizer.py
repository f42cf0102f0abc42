import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq import InputError
from keras_seq2seq.text import CharTokenizer
from keras_seq2seq.text.char_tokenizer import END_ID, PAD_ID, START_ID, UNKNOWN_ID


def test_special_ids_and_vocabulary_size(tokenizer):
    assert (PAD_ID, UNKNOWN_ID, START_ID, END_ID) == (0, 1, 2, 3)
    assert tokenizer.vocabulary_size == 4 + 4
    # Characters get ids from 4 in vocabulary order.
    assert tokenizer.encode(["abcd"], length=4).tolist() == [[4, 5, 6, 7]]


def test_encode_pads_right_and_adds_start_and_end(tokenizer):
    ids = tokenizer.encode(["ab", "dcba", "c"], length=6)
    assert ids.dtype == np.int32
    assert ids.tolist() == [[4, 5, 0, 0, 0, 0], [7, 6, 5, 4, 0, 0], [6, 0, 0, 0, 0, 0]]
    assert tokenizer.encode(["ab"], length=4, add_start=True).tolist() == [[2, 4, 5, 0]]
    assert tokenizer.encode(["ab"], length=4, add_end=True).tolist() == [[4, 5, 3, 0]]
    assert tokenizer.encode(["ab"], length=5, add_start=True, add_end=True).tolist() == [[2, 4, 5, 3, 0]]


def test_unknown_characters_map_to_the_unknown_id(tokenizer):
    assert tokenizer.encode(["axb"], length=3).tolist() == [[4, UNKNOWN_ID, 5]]


def test_decode_stops_at_end_and_drops_special_ids(tokenizer):
    ids = np.array(
        [
            [4, 5, END_ID, 6, 7],  # stops at the end id
            [START_ID, 4, UNKNOWN_ID, 5, PAD_ID],  # specials dropped
            [7, 7, 7, 7, 7],  # no end id
            [END_ID, 4, 4, 4, 4],  # empty answer
        ]
    )
    assert tokenizer.decode(ids) == ["ab", "ab", "ddddd", ""]


def test_encode_decode_round_trip_with_non_ascii_characters():
    tokenizer = CharTokenizer(list("aé€😀"))
    texts = ["aé", "€😀a", "😀"]
    ids = tokenizer.encode(texts, length=4)
    assert ids.tolist()[2] == [4 + 3, 0, 0, 0]  # one id per code point, not per byte
    assert tokenizer.decode(ids) == texts


def test_tokenize_and_detokenize_run_inside_tf_function(tokenizer):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def round_trip(texts):
        ids = tokenizer.tokenize(texts).to_tensor()
        return ids, tokenizer.detokenize(ids)

    ids, texts = round_trip(tf.constant(["dab", "c"]))
    assert ids.numpy().tolist() == [[7, 4, 5], [6, 0, 0]]
    assert [t.decode() for t in texts.numpy()] == ["dab", "c"]


def test_tokenize_maps_invalid_utf8_to_unknown(tokenizer):
    ids = tokenizer.tokenize(tf.constant([b"a\xffb"])).to_list()
    assert ids == [[4, UNKNOWN_ID, 5]]


def test_check_accepts_and_returns_valid_text(tokenizer):
    assert tokenizer.check("abc", max_length=4) == "abc"
    assert tokenizer.check("abcd".encode(), max_length=4) == "abcd"


@pytest.mark.parametrize(
    "text, max_length, expected",
    [
        ("", 4, "empty"),
        ("abcab", 4, "'abcab' has 5 characters"),
        ("abxz", 4, "'abxz'"),
        (b"ab\xff", 4, "not valid UTF-8"),
        (12, 4, "expected a string"),
    ],
)
def test_check_rejects_bad_text_naming_it(tokenizer, text, max_length, expected):
    with pytest.raises(InputError, match=expected):
        tokenizer.check(text, max_length)


def test_check_names_the_unknown_characters_and_the_vocabulary(tokenizer):
    with pytest.raises(InputError) as error:
        tokenizer.check("abxz", 4)
    message = str(error.value)
    assert "'x'" in message and "'z'" in message and "'abcd'" in message


def test_check_names_invalid_bytes(tokenizer):
    with pytest.raises(InputError) as error:
        tokenizer.check(b"ab\xff", 4)
    assert "b'ab\\xff'" in str(error.value)


def test_check_truncates_long_text_in_the_message(tokenizer):
    with pytest.raises(InputError) as error:
        tokenizer.check("a" * 100, 4)
    message = str(error.value)
    assert "100 characters" in message and "at most 4" in message
    assert "a" * 41 not in message


@pytest.mark.parametrize("vocabulary", [list("aba"), ["ab", "c"], [""]])
def test_bad_vocabulary_is_rejected(vocabulary):
    with pytest.raises(InputError):
        CharTokenizer(vocabulary)


def test_from_texts_builds_a_sorted_vocabulary():
    tokenizer = CharTokenizer.from_texts(["cab", "b+a"])
    assert tokenizer.vocabulary == ["+", "a", "b", "c"]


def test_config_round_trip(tokenizer):
    clone = CharTokenizer.from_config(tokenizer.get_config())
    assert clone.vocabulary == tokenizer.vocabulary
    ids = tokenizer.encode(["dcb", "a"], length=4)
    np.testing.assert_array_equal(clone.encode(["dcb", "a"], length=4), ids)
