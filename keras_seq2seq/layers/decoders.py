"""The decoder blocks by name, for text and image models alike: plain, peeky, attention, peeky attention.

Example:
>>> decoder = make_decoder("attention", vocabulary_size=15, embedding_dim=8, hidden_dim=16, peeky=True)
>>> type(decoder).__name__, decoder.peeky
('AttentionDecoder', True)
>>> make_decoder("lookahead", 15, 8, 16)
Traceback (most recent call last):
...
keras_seq2seq.errors.InputError: decoder must be one of 'plain', 'peeky', 'attention', got 'lookahead'
"""

from keras_seq2seq.errors import InputError
from keras_seq2seq.layers.attention_decoder import AttentionDecoder
from keras_seq2seq.layers.decoder import Decoder
from keras_seq2seq.layers.peeky_decoder import PeekyDecoder

DECODERS = {"plain": Decoder, "peeky": PeekyDecoder, "attention": AttentionDecoder}


def make_decoder(kind, vocabulary_size, embedding_dim, hidden_dim, score="dot", peeky=False, **options):
    """The decoder block `kind` ("plain", "peeky" or "attention"); `options` are every decoder's.

    `score` ("dot" or "additive") and `peeky` (the context at every step too) are the
    attention decoder's; the peeky decoder is always peeky, and `peeky=True` with the
    plain one is an error rather than a silent plain decoder.
    """
    if kind not in DECODERS:
        raise InputError(f"decoder must be one of {', '.join(map(repr, DECODERS))}, got {kind!r}")
    if peeky and kind == "plain":
        raise InputError("peeky=True needs the 'peeky' or 'attention' decoder, not 'plain'")
    if kind == "attention":
        return AttentionDecoder(vocabulary_size, embedding_dim, hidden_dim, score=score, peeky=peeky, **options)
    return DECODERS[kind](vocabulary_size, embedding_dim, hidden_dim, **options)
