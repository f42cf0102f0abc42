"""Your own captioning data: a folder of images and a `captions.tsv` file of `image<TAB>caption` lines."""

from pathlib import Path

import tensorflow as tf

from keras_seq2seq.images import decode_image_bytes, read_image_bytes
from keras_seq2seq.errors import InputError

CAPTIONS_FILE = "captions.tsv"


def load_captions(path):
    """`(image_paths, captions)` from a folder holding `captions.tsv`, or from such a file.

    Image names are relative to the captions file's folder; blank lines are skipped.
    Raises `InputError` naming the file and line for a line without exactly one tab
    or with an empty side, and naming the image for a missing or corrupt image.

    Example:
    >>> import tempfile, numpy as np
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_captions(folder, np.zeros((1, 32, 32, 1), np.uint8), ["nothing at all"])
    >>> paths, captions = load_captions(folder)
    >>> [p.name for p in paths], captions
    (['image_00000.png'], ['nothing at all'])
    """
    path = Path(path)
    file = path / CAPTIONS_FILE if path.is_dir() else path
    try:
        raw_lines = file.read_bytes().splitlines()
    except FileNotFoundError:
        what = f"{path} has no {CAPTIONS_FILE}" if path.is_dir() else f"no captions file {path}"
        raise InputError(f"{what} (expected image<TAB>caption lines)") from None
    except OSError as error:
        raise InputError(f"cannot read {file}: {error.strerror}") from None
    images, captions = [], []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{file}:{number}: line is not valid UTF-8: {raw[:60]!r}") from None
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise InputError(f"{file}:{number}: expected 'image<TAB>caption', got {line[:80]!r}")
        image = file.parent / fields[0]
        if not image.is_file():
            raise InputError(f"{file}:{number}: no image file {image}")
        images.append(image)
        captions.append(fields[1])
    if not images:
        raise InputError(f"{file} holds no captions")
    for image in images:  # a corrupt image is named now, not halfway through a run
        decode_image_bytes(read_image_bytes(image), str(image), channels=1)
    return images, captions


def write_captions(folder, images, captions):
    """Writes each image as `image_NNNNN.png` and their `captions.tsv` into `folder` (created if needed).

    `images` is a uint8 array `[n, height, width, channels]`.
    """
    folder = Path(folder)
    if len(images) != len(captions):
        raise InputError(f"{len(images)} images but {len(captions)} captions")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for index, (image, caption) in enumerate(zip(images, captions)):
            name = f"image_{index:05d}.png"
            (folder / name).write_bytes(tf.io.encode_png(image).numpy())
            lines.append(f"{name}\t{caption}\n")
        (folder / CAPTIONS_FILE).write_text("".join(lines), encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write to {folder}: {error.strerror}") from None
