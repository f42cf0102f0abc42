"""The addition task: questions `"a+b"` with a and b uniform in 0..999, answered with the decimal sum."""

import numpy as np

VOCABULARY = list("0123456789+")
MAX_SOURCE_LENGTH = 7  # "999+999"
MAX_TARGET_LENGTH = 4  # "1998"

_NUMBERS = 1000


def _held_out(a, b):
    """True for the tenth of all questions kept out of training, whatever the seeds.

    A fixed multiplicative (Knuth) hash of the question decides, so that a
    training set and a held-out set drawn with any seeds never share a question.
    """
    question = a.astype(np.uint64) * _NUMBERS + b.astype(np.uint64)
    hashed = (question * np.uint64(2654435761)) % np.uint64(2**32)
    return (hashed >> np.uint64(16)) % np.uint64(10) == 0


def addition_pairs(count, seed, split="train", balance_digits=0.0):
    """`count` (question, answer) string pairs drawn from `split` ("train" or "held_out").

    Deterministic: the same arguments give the same pairs. The task draws a and b
    uniformly from 0..999, so nine in ten numbers have three digits. For the
    share `balance_digits` (0 to 1) of the questions, each number's digit count
    (1, 2 or 3) is drawn uniformly first: a training-time choice that shows the
    model enough short numbers.

    Example:
    >>> questions, answers = addition_pairs(2, seed=0)
    >>> [str(eval(q)) for q in questions] == answers
    True
    """
    if split not in ("train", "held_out"):
        raise ValueError(f"split must be 'train' or 'held_out', got {split!r}")
    rng = np.random.default_rng(seed)
    a_parts, b_parts, have = [np.empty(0, int)], [np.empty(0, int)], 0
    while have < count:
        a, b = _draw_numbers(rng, (2, 2 * count + 16), balance_digits)
        keep = _held_out(a, b) == (split == "held_out")
        a_parts.append(a[keep])
        b_parts.append(b[keep])
        have += int(keep.sum())
    a = np.concatenate(a_parts)[:count]
    b = np.concatenate(b_parts)[:count]
    return [f"{x}+{y}" for x, y in zip(a, b)], [str(x + y) for x, y in zip(a, b)]


def _draw_numbers(rng, shape, balance_digits):
    uniform = rng.integers(0, _NUMBERS, size=shape)
    if not balance_digits:
        return uniform
    digits = rng.integers(1, 4, size=shape)
    balanced = rng.integers(np.where(digits == 1, 0, 10 ** (digits - 1)), 10**digits)
    balance = rng.random(shape[1:]) < balance_digits  # per question: both numbers alike
    return np.where(balance, balanced, uniform)
