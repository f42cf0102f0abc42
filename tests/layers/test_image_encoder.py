"""The image encoder block: its state feeds any decoder, its spatial positions feed attention."""

import keras
import numpy as np
import pytest

from keras_seq2seq.errors import InputError
from keras_seq2seq.layers import ImageEncoder


def _images(seed=0, count=2):
    return np.random.default_rng(seed).random((count, 32, 32, 1)).astype("float32")


def test_positions_and_state_shapes():
    encoder = ImageEncoder(hidden_dim=12, filters=(4, 8, 6))
    positions, (h, c) = encoder(_images())
    assert tuple(positions.shape) == (2, 16, 6)  # 32x32 pooled three times: 4x4 positions of 6 features
    assert tuple(h.shape) == (2, 12) and tuple(c.shape) == (2, 12)
    assert np.all(np.abs(keras.ops.convert_to_numpy(h)) < 1)  # tanh


def test_flatten_pooling_keeps_where_things_are_and_average_does_not():
    image = np.zeros((1, 32, 32, 1), "float32")
    image[0, 4:8, 4:8] = 1.0  # ink at the top left
    moved = np.zeros_like(image)
    moved[0, 20:24, 20:24] = 1.0  # the same ink at the bottom right (away from the borders' zero padding)
    for pooling, same_state in (("flatten", False), ("average", True)):
        keras.utils.set_random_seed(0)
        encoder = ImageEncoder(hidden_dim=8, filters=(4, 4), pooling=pooling)
        _, (h, _) = encoder(np.concatenate([image, moved]))
        h = keras.ops.convert_to_numpy(h)
        assert np.allclose(h[0], h[1], atol=1e-5) == same_state, pooling


def test_position_embeddings_tell_positions_apart():
    encoder = ImageEncoder(hidden_dim=8, filters=(4,))
    encoder(_images())
    rng = np.random.default_rng(1)
    encoder.position_embedding.assign(rng.normal(size=encoder.position_embedding.shape).astype("float32"))
    positions, _ = encoder(np.zeros((1, 32, 32, 1), "float32"))  # a blank image: only the embedding differs
    positions = keras.ops.convert_to_numpy(positions)[0]
    assert len({row.tobytes() for row in positions}) == positions.shape[0]


def test_config_round_trip_and_variable_names_are_unique():
    encoder = ImageEncoder(hidden_dim=8, image_size=(24, 40), channels=3, filters=(4, 5), pooling="average")
    encoder(np.zeros((1, 24, 40, 3), "float32"))
    clone = ImageEncoder.from_config(encoder.get_config())
    positions, _ = clone(np.zeros((1, 24, 40, 3), "float32"))
    assert tuple(positions.shape) == (1, 6 * 10, 5)
    paths = [variable.path for variable in encoder.weights]
    assert len(paths) == len(set(paths))


def test_a_keras_applications_backbone_with_random_weights():
    encoder = ImageEncoder(hidden_dim=8, image_size=(32, 32), channels=3, backbone="MobileNetV3Small")
    positions, (h, _) = encoder(np.zeros((1, 32, 32, 3), "float32"))
    assert tuple(h.shape) == (1, 8) and positions.shape[0] == 1 and len(positions.shape) == 3


def test_bad_options_are_named():
    with pytest.raises(InputError, match="no keras.applications model named 'NoSuchNet'"):
        ImageEncoder(hidden_dim=8, backbone="NoSuchNet")
    with pytest.raises(InputError, match="local .h5 weights file"):
        ImageEncoder(hidden_dim=8, backbone="MobileNetV2", backbone_weights="imagenet")
    with pytest.raises(ValueError, match="pooling must be one of"):
        ImageEncoder(hidden_dim=8, pooling="max")
