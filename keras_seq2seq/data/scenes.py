"""The captioning task: scenes of 1 to 4 handwritten digits on a 2x2 grid, with captions naming them.

Digits come from scikit-learn's bundled `load_digits` (1,797 8x8 images, no
download). Each digit is upscaled to a 16x16 cell; the cells form a 32x32
grayscale canvas (uint8, white ink on black). The caption names the digits and
their layout, and is a function of the scene (which digit sits in which cell):

| digits | caption |
| --- | --- |
| 1 | `a seven at the top left` |
| 2 in a row | `a three left of a seven`, or `two fives side by side` |
| 2 in a column | `a three above a seven`, or `two fives stacked` |
| 3 | the full row, then the lone digit: `two fives above a one`, `a one above a six and an eight` |
| 4 | top row above bottom row: `a two and a four above two nines`, or `four nines` |

Held-out scenes use digit images that training scenes never use: image i of
`load_digits` is held out when `i % 5 == 0` (360 images), whatever the seed.
"""

import functools

import numpy as np

from keras_seq2seq.errors import InputError

CELL_SIZE = 16
IMAGE_SIZE = (2 * CELL_SIZE, 2 * CELL_SIZE)
CHANNELS = 1
NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
PLURALS = ["zeros", "ones", "twos", "threes", "fours", "fives", "sixes", "sevens", "eights", "nines"]
CORNERS = {(0, 0): "top left", (0, 1): "top right", (1, 0): "bottom left", (1, 1): "bottom right"}
MAX_CAPTION_LENGTH = 47  # "an eight and a seven above a seven and an eight"
VOCABULARY = sorted(set("".join(NAMES + PLURALS + list(CORNERS.values())) + " andbovelftsiyck"))
# Share of scenes whose digits are drawn to repeat (so "two fives", "four nines" are common enough to learn).
REPEAT_SHARE = 0.25
HELD_OUT_EVERY = 5


def caption_scenes(count, seed, split="train"):
    """`count` scenes from `split` ("train" or "held_out"): `(images uint8 [count, 32, 32, 1], captions)`.

    Deterministic: the same arguments give the same scenes.

    Example:
    >>> images, captions = caption_scenes(3, seed=0)
    >>> images.shape, images.dtype
    ((3, 32, 32, 1), dtype('uint8'))
    >>> captions
    ['a six and a five above a six and a three', 'a two and an eight above a six and a zero',
     'a one and a zero above an eight and a zero']
    """
    if split not in ("train", "held_out"):
        raise ValueError(f"split must be 'train' or 'held_out', got {split!r}")
    digit_images, labels = _split_digits(split)
    by_label = [np.flatnonzero(labels == digit) for digit in range(10)]
    rng = np.random.default_rng([seed, split == "held_out"])  # the same seed gives other scenes per split
    images = np.zeros((count, *IMAGE_SIZE, CHANNELS), np.uint8)
    captions = []
    for index in range(count):
        grid = _draw_grid(rng)
        for (row, column), digit in grid.items():
            cell = digit_images[rng.choice(by_label[digit])]
            top, left = row * CELL_SIZE, column * CELL_SIZE
            images[index, top : top + CELL_SIZE, left : left + CELL_SIZE, 0] = cell
        captions.append(describe(grid))
    return images, captions


def describe(grid):
    """The caption of a scene given as `{(row, column): digit}` on the 2x2 grid.

    Example:
    >>> describe({(0, 0): 5, (0, 1): 5, (1, 1): 1})
    'two fives above a one'
    >>> describe({(1, 0): 8})
    'an eight at the bottom left'
    """
    rows = [[grid[(row, column)] for column in (0, 1) if (row, column) in grid] for row in (0, 1)]
    if not 1 <= len(grid) <= 4 or not all(0 <= digit <= 9 for digit in grid.values()):
        raise InputError(f"a scene holds 1 to 4 digits from 0 to 9, got {grid}")
    if len(grid) == 1:
        (cell, digit), = grid.items()
        return f"{_one(digit)} at the {CORNERS[cell]}"
    if len(grid) == 2 and rows[0] and rows[1]:
        (top,), (bottom,) = rows  # a column (a diagonal pair is never drawn)
        return f"two {PLURALS[top]} stacked" if top == bottom else f"{_one(top)} above {_one(bottom)}"
    if len(grid) == 2:
        left, right = rows[0] or rows[1]
        return f"two {PLURALS[left]} side by side" if left == right else f"{_one(left)} left of {_one(right)}"
    if len(grid) == 4 and len(set(grid.values())) == 1:
        return f"four {PLURALS[grid[(0, 0)]]}"
    return f"{_group(rows[0])} above {_group(rows[1])}"


def _one(digit):
    return f"{'an' if digit == 8 else 'a'} {NAMES[digit]}"


def _group(digits):
    if len(digits) == 1:
        return _one(digits[0])
    first, second = digits
    return f"two {PLURALS[first]}" if first == second else f"{_one(first)} and {_one(second)}"


# The cells of each layout: one corner, a row, a column, three cells, all four.
_LAYOUTS = {
    1: [[cell] for cell in CORNERS],
    2: [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0), (1, 0)], [(0, 1), (1, 1)]],
    3: [[cell for cell in CORNERS if cell != empty] for empty in CORNERS],
    4: [list(CORNERS)],
}


def _draw_grid(rng):
    count = int(rng.integers(1, 5))
    layouts = _LAYOUTS[count]
    cells = layouts[int(rng.integers(len(layouts)))]
    digits = rng.integers(0, 10, size=len(cells))
    if count > 1 and rng.random() < REPEAT_SHARE:
        digits[rng.random(len(cells)) < 0.7] = digits[0]  # some or all cells repeat the first digit
    return {cell: int(digit) for cell, digit in zip(cells, digits)}


@functools.lru_cache(maxsize=2)
def _split_digits(split):
    """The split's digit images as 16x16 uint8 cells (0 to 255) and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    held_out = np.arange(len(digits.target)) % HELD_OUT_EVERY == 0
    keep = held_out if split == "held_out" else ~held_out
    small = digits.images[keep]  # values 0..16
    cells = np.kron(small, np.ones((CELL_SIZE // 8, CELL_SIZE // 8)))  # nearest-neighbour upscaling
    return np.round(cells * (255 / 16)).astype(np.uint8), digits.target[keep]
