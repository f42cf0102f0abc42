"""A recipe task over a fixed corpus: a word-piece vocabulary learnt from its training pairs, long pairs left out.

The dialogue, translation and chitchat tasks all hand their corpus's pairs to
`word_piece_task`; each module keeps its own limits (vocabulary size, tokens per side).
"""

import numpy as np

from keras_seq2seq.data.pipeline import token_lengths
from keras_seq2seq.text import WordPieceTokenizer


def word_piece_task(train, validation, train_size, validation_size, vocabulary_size, lengths, vocabulary=None):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for a recipe's task.

    The vocabulary (at most `vocabulary_size` ids, the special ids included) is
    learnt from both sides of the `train` pairs (unless `vocabulary` gives it); pairs longer than `lengths`
    (source, target tokens) are left out, then the first `train_size` /
    `validation_size` pairs are kept.

    Example:
    >>> pairs = (["hi there", "hello there friend"], ["hello", "hi"])
    >>> train, validation, vocabulary, lengths = word_piece_task(pairs, pairs, 10, 1, 100, (2, 1))
    >>> train, validation, lengths
    ((['hi there'], ['hello']), (['hi there'], ['hello']), (2, 1))
    """
    if vocabulary is None:
        tokenizer = WordPieceTokenizer.from_texts(train[0] + train[1], vocabulary_size=vocabulary_size)
    else:
        tokenizer = WordPieceTokenizer(vocabulary=vocabulary)
    kept = [fitting_pairs(tokenizer, pairs, lengths, size) for pairs, size in ((train, train_size),
                                                                              (validation, validation_size))]
    return kept[0], kept[1], tokenizer.vocabulary, lengths


def fitting_pairs(tokenizer, pairs, lengths, size=None, target_tokenizer=None):
    """The first `size` (default: all) of `pairs` whose sides have 1 to `lengths` (source, target) tokens.

    The targets count in `target_tokenizer`'s tokens when it is given.
    """
    sources, targets = pairs
    source_lengths = token_lengths(tokenizer, sources)
    target_lengths = token_lengths(target_tokenizer or tokenizer, targets)
    fits = (source_lengths >= 1) & (source_lengths <= lengths[0])
    fits &= (target_lengths >= 1) & (target_lengths <= lengths[1])
    indices = np.flatnonzero(fits)[:size]
    return [sources[i] for i in indices], [targets[i] for i in indices]
