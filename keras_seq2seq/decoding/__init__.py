"""Decoding strategies that drive a `step(tokens, state) -> (logits, state)` function."""

from keras_seq2seq.decoding.beam import beam_search
from keras_seq2seq.decoding.greedy import greedy_search

__all__ = ["beam_search", "greedy_search"]
