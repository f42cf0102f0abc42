"""The captioning scenes: deterministic, captions that follow the layout, held-out digits never trained on."""

import collections

import numpy as np
import pytest

from keras_seq2seq.data import caption_scenes
from keras_seq2seq.data import scenes
from keras_seq2seq.errors import InputError


def test_same_arguments_same_scenes_and_other_seeds_other_scenes():
    images, captions = caption_scenes(50, seed=4)
    again_images, again_captions = caption_scenes(50, seed=4)
    np.testing.assert_array_equal(images, again_images)
    assert captions == again_captions
    assert caption_scenes(50, seed=5)[1] != captions
    assert caption_scenes(50, seed=4, split="held_out")[1] != captions


def test_images_are_32x32_grayscale_uint8_with_ink_only_in_described_cells():
    images, captions = caption_scenes(300, seed=0)
    assert images.shape == (300, 32, 32, 1) and images.dtype == np.uint8
    for image, caption in zip(images, captions):
        inked = sum(image[16 * r : 16 * r + 16, 16 * c : 16 * c + 16].any() for r in (0, 1) for c in (0, 1))
        named = caption.split()
        expected = 1 if "at" in named else 4 if named[0] == "four" else None
        if expected is not None:
            assert inked == expected, caption
        assert 1 <= inked <= 4


@pytest.mark.parametrize(
    "grid, caption",
    [
        ({(0, 0): 7}, "a seven at the top left"),
        ({(1, 1): 8}, "an eight at the bottom right"),
        ({(1, 0): 3, (1, 1): 7}, "a three left of a seven"),
        ({(0, 0): 5, (0, 1): 5}, "two fives side by side"),
        ({(0, 1): 3, (1, 1): 7}, "a three above a seven"),
        ({(0, 0): 6, (1, 0): 6}, "two sixes stacked"),
        ({(0, 0): 5, (0, 1): 5, (1, 0): 1}, "two fives above a one"),
        ({(0, 1): 1, (1, 0): 6, (1, 1): 8}, "a one above a six and an eight"),
        ({(0, 0): 2, (0, 1): 4, (1, 0): 9, (1, 1): 9}, "a two and a four above two nines"),
        ({cell: 9 for cell in scenes.CORNERS}, "four nines"),
    ],
)
def test_captions_name_the_digits_and_their_layout(grid, caption):
    assert scenes.describe(grid) == caption


def test_describe_rejects_impossible_scenes():
    with pytest.raises(InputError, match="1 to 4 digits"):
        scenes.describe({})
    with pytest.raises(InputError, match="from 0 to 9"):
        scenes.describe({(0, 0): 12})


def test_every_layout_and_plural_occurs_and_captions_fit_the_model():
    _, captions = caption_scenes(3000, seed=1)
    openings = collections.Counter(" ".join(c.split()[:1]) for c in captions)
    assert {"a", "an", "two", "four"} <= set(openings)
    for phrase in ("at the", "left of", "side by side", "stacked", " and ", "above"):
        assert any(phrase in caption for caption in captions), phrase
    assert max(map(len, captions)) <= scenes.MAX_CAPTION_LENGTH
    assert set("".join(captions)) <= set(scenes.VOCABULARY)


def _cells(images):
    """Every inked 16x16 cell of the scenes, as bytes."""
    return {
        image[16 * r : 16 * r + 16, 16 * c : 16 * c + 16].tobytes()
        for image in images
        for r in (0, 1)
        for c in (0, 1)
        if image[16 * r : 16 * r + 16, 16 * c : 16 * c + 16].any()
    }


def test_held_out_scenes_use_digit_images_training_never_sees():
    train_cells = _cells(caption_scenes(2000, seed=0, split="train")[0])
    held_out_cells = _cells(caption_scenes(500, seed=0, split="held_out")[0])
    assert len(held_out_cells) > 200  # many different digit images, not a handful
    assert not train_cells & held_out_cells
    train_pool, _ = scenes._split_digits("train")
    held_out_pool, _ = scenes._split_digits("held_out")
    assert len(train_pool) + len(held_out_pool) == 1797 and len(held_out_pool) == 360


def test_unknown_split():
    with pytest.raises(ValueError, match="split"):
        caption_scenes(1, seed=0, split="test")
