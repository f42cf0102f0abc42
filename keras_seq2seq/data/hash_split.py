"""The split rule of the real-corpus tasks: a fixed hash of a key decides train, dev or test.

The key is what must not straddle two splits: the German sentence of a
translation pair, the conversation of a dialogue turn. SHA-1 of the key's UTF-8
bytes (stripped of surrounding spaces), first 8 hex digits as an integer n:
n % 20 == 0 is test, n % 20 == 1 is dev, the rest train (a twentieth each for
dev and test). No seed: the split is the same on every machine and in every run.
"""

import hashlib

SPLITS = ("train", "dev", "test")
_BUCKETS = 20


def split_of(key):
    """"train", "dev" or "test" for `key`.

    Example:
    >>> split_of("Wir gehen heute schwimmen.") == split_of("  Wir gehen heute schwimmen. ")
    True
    >>> sorted({split_of(f"Satz {n}.") for n in range(100)})
    ['dev', 'test', 'train']
    """
    n = int(hashlib.sha1(key.strip().encode("utf-8")).hexdigest()[:8], 16) % _BUCKETS
    return "test" if n == 0 else "dev" if n == 1 else "train"


def check_split(split):
    """`ValueError` unless `split` is one of `SPLITS`."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
