"""Your own captioning data: image folder + captions.tsv, with errors that name the line or the image."""

import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq.data import caption_scenes, load_captions, write_captions
from keras_seq2seq.errors import InputError


@pytest.fixture
def folder(tmp_path):
    images, captions = caption_scenes(3, seed=0, split="held_out")
    write_captions(tmp_path / "scenes", images, captions)
    return tmp_path / "scenes", images, captions


def test_write_then_load_round_trip(folder):
    path, images, captions = folder
    paths, loaded = load_captions(path)
    assert loaded == captions
    assert [p.name for p in paths] == ["image_00000.png", "image_00001.png", "image_00002.png"]
    for file, image in zip(paths, images):
        np.testing.assert_array_equal(tf.io.decode_png(file.read_bytes()).numpy(), image)
    # The captions file itself works too, and names are relative to its folder.
    assert load_captions(path / "captions.tsv") == (paths, captions)


def test_blank_lines_and_other_image_formats(tmp_path):
    (tmp_path / "a.jpg").write_bytes(tf.io.encode_jpeg(np.zeros((10, 20, 3), np.uint8)).numpy())
    (tmp_path / "captions.tsv").write_text("\na.jpg\tblack\n\n")
    paths, captions = load_captions(tmp_path)
    assert [p.name for p in paths] == ["a.jpg"] and captions == ["black"]


@pytest.mark.parametrize(
    "line, named",
    [
        ("image_00000.png a caption without a tab", "captions.tsv:2: expected 'image<TAB>caption'"),
        ("image_00000.png\ta\tb", "captions.tsv:2: expected 'image<TAB>caption'"),
        ("image_00000.png\t", "captions.tsv:2: expected 'image<TAB>caption'"),
        ("\ta caption", "captions.tsv:2: expected 'image<TAB>caption'"),
        ("nope.png\ta caption", "captions.tsv:2: no image file"),
    ],
)
def test_malformed_lines_and_missing_images_name_the_line(folder, line, named):
    path, _, _ = folder
    first = (path / "captions.tsv").read_text().splitlines()[0]
    (path / "captions.tsv").write_text(f"{first}\n{line}\n")
    with pytest.raises(InputError, match=named):
        load_captions(path)


def test_a_corrupt_image_is_named(folder):
    path, _, _ = folder
    (path / "image_00001.png").write_bytes(b"\x89PNG\r\n\x1a\n but then garbage")
    with pytest.raises(InputError, match=r"image_00001.png is not a readable image"):
        load_captions(path)


def test_missing_or_empty_captions_file(tmp_path):
    with pytest.raises(InputError, match="has no captions.tsv"):
        load_captions(tmp_path)
    with pytest.raises(InputError, match="no captions file"):
        load_captions(tmp_path / "nope.tsv")
    (tmp_path / "captions.tsv").write_text("\n")
    with pytest.raises(InputError, match="holds no captions"):
        load_captions(tmp_path)
    (tmp_path / "captions.tsv").write_bytes(b"\xff\xfe\tx\n")
    with pytest.raises(InputError, match="not valid UTF-8"):
        load_captions(tmp_path)


def test_write_refuses_mismatched_lengths(tmp_path):
    with pytest.raises(InputError, match="2 images but 1 captions"):
        write_captions(tmp_path, np.zeros((2, 4, 4, 1), np.uint8), ["x"])
