import numpy as np
import pytest

from keras_seq2seq import InputError
from keras_seq2seq.data import encode_pairs, pairs_dataset


def test_encode_pairs_pads_on_the_right(tokenizer):
    x, y = encode_pairs(tokenizer, ["abc", "d"], ["cb", "dddd"], 5, 4)
    assert x["source_ids"].tolist() == [[4, 5, 6, 0, 0], [7, 0, 0, 0, 0]]
    assert x["decoder_ids"].tolist() == [[2, 6, 5, 0, 0], [2, 7, 7, 7, 7]]
    assert y.tolist() == [[6, 5, 3, 0, 0], [7, 7, 7, 7, 3]]
    assert x["source_ids"].dtype == x["decoder_ids"].dtype == y.dtype == np.int32
    # y is decoder_ids shifted left by one, with the end id where the start id was dropped.
    np.testing.assert_array_equal(y[:, :-1][y[:, :-1] != 3], x["decoder_ids"][:, 1:][y[:, :-1] != 3])


@pytest.mark.parametrize(
    "sources, targets, message",
    [
        (["abc", ""], ["a", "b"], "source 1"),
        (["abcdef"], ["a"], "source 0 \\('abcdef'\\) has 6 characters; expected 1 to 5"),
        (["a"], ["abcde"], "target 0"),
        (["a", "b"], ["a", ""], "target 1"),
    ],
)
def test_encode_pairs_rejects_empty_and_too_long_texts(tokenizer, sources, targets, message):
    with pytest.raises(InputError, match=message):
        encode_pairs(tokenizer, sources, targets, 5, 4)


def test_pairs_dataset_without_bucketing_batches_of_one_shape(tokenizer):
    sources = ["a", "ab", "abc", "abcd", "b", "bc", "bcd"]
    targets = [s[::-1] for s in sources]
    dataset = pairs_dataset(tokenizer, sources, targets, 4, 4, batch_size=3, shuffle=True, seed=0, bucketing=False)
    batches = list(dataset)
    assert len(batches) == 2  # the short last batch is dropped
    for x, y in batches:
        assert tuple(x["source_ids"].shape) == (3, 4)
        assert tuple(x["decoder_ids"].shape) == tuple(y.shape) == (3, 5)
    x_all, y_all = encode_pairs(tokenizer, sources, targets, 4, 4)
    rows = {tuple(row) for row in np.concatenate([x["source_ids"].numpy() for x, _ in batches])}
    assert rows <= {tuple(row) for row in x_all["source_ids"]} and len(rows) == 6


def test_pairs_dataset_without_bucketing_in_order_without_shuffle(tokenizer):
    sources = ["a", "ab", "abc", "abcd", "b"]
    dataset = pairs_dataset(tokenizer, sources, sources, 4, 4, batch_size=2, shuffle=False, drop_remainder=False,
                            bucketing=False)
    x, y = encode_pairs(tokenizer, sources, sources, 4, 4)
    got_x = np.concatenate([batch["source_ids"].numpy() for batch, _ in dataset])
    got_y = np.concatenate([labels.numpy() for _, labels in dataset])
    np.testing.assert_array_equal(got_x, x["source_ids"])
    np.testing.assert_array_equal(got_y, y)


def test_pairs_dataset_with_bucketing_keeps_every_pair_once_when_asked(tokenizer):
    sources = ["a", "abcdabcdab", "abc", "abcd", "b", "bcdabcdabc"]
    dataset = pairs_dataset(tokenizer, sources, sources, 10, 10, batch_size=2, shuffle=False, drop_remainder=False)
    rows = [tuple(row[row != 0]) for x, _ in dataset for row in x["source_ids"].numpy()]
    x, _ = encode_pairs(tokenizer, sources, sources, 10, 10)
    assert sorted(rows) == sorted(tuple(row[row != 0]) for row in x["source_ids"])
    assert [tuple(x["source_ids"].shape) for x, _ in dataset] == [(2, 8), (2, 8), (2, 16)]
