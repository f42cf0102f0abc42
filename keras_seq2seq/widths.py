"""The few widths that batches are padded to: what lets XLA compile once per width, not once per batch.

Data pipelines (`data/buckets.py`) pad batches to these widths and the models'
step functions (`models/shape_buckets.py`) round any other batch up to them.
"""

# Widths are multiples of this: at most 8 widths up to `FusedLSTM`'s 64 unrolled steps.
WIDTH_STEP = 8


def bucket_width(width):
    """`width` rounded up to a multiple of `WIDTH_STEP`.

    Example:
    >>> [bucket_width(w) for w in (1, 8, 9, 30)]
    [8, 8, 16, 32]
    """
    return -(-int(width) // WIDTH_STEP) * WIDTH_STEP
