import numpy as np
import tensorflow as tf

from keras_seq2seq.layers import LengthAwareReverse


def test_reverses_real_tokens_and_keeps_padding_on_the_right():
    ids = np.array([[3, 7, 5, 0, 0], [1, 2, 3, 4, 5], [9, 0, 0, 0, 0], [0, 0, 0, 0, 0]], "int32")
    reversed_ids = np.asarray(LengthAwareReverse()(ids))
    assert reversed_ids.tolist() == [[5, 7, 3, 0, 0], [5, 4, 3, 2, 1], [9, 0, 0, 0, 0], [0, 0, 0, 0, 0]]


def test_is_its_own_inverse():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 8, size=20)
    ids = rng.integers(1, 50, size=(20, 7)) * (np.arange(7)[None, :] < lengths[:, None])
    layer = LengthAwareReverse()
    np.testing.assert_array_equal(np.asarray(layer(layer(ids))), ids)


def test_reverses_feature_vectors_by_the_mask():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(3, 4, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]], bool)
    out = np.asarray(LengthAwareReverse()(features, mask=mask))
    np.testing.assert_array_equal(out[0], features[0][[2, 1, 0, 3]])
    np.testing.assert_array_equal(out[1], features[1][::-1])
    np.testing.assert_array_equal(out[2], features[2])  # all padding: unchanged


def test_mask_decides_even_for_zero_ids():
    # A row whose mask is shorter than its non-zero ids reverses only the masked steps.
    ids = np.array([[4, 5, 6, 7]], "int32")
    mask = np.array([[True, True, False, False]])
    assert np.asarray(LengthAwareReverse()(ids, mask=mask)).tolist() == [[5, 4, 6, 7]]


def test_works_on_unknown_lengths_in_a_tf_function():
    layer = LengthAwareReverse()

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def reverse(ids):
        return layer(ids)

    assert reverse(tf.constant([[3, 7, 5, 0], [8, 0, 0, 0]])).numpy().tolist() == [[5, 7, 3, 0], [8, 0, 0, 0]]
    assert reverse(tf.constant([[1, 2]])).numpy().tolist() == [[2, 1]]
