"""Decoding strategies that drive a `step(tokens, state) -> (logits, state)` function."""

from keras_seq2seq.decoding.beam import beam_search, beam_search_n_best
from keras_seq2seq.decoding.greedy import greedy_search
from keras_seq2seq.decoding.sampling import sample

__all__ = ["beam_search", "beam_search_n_best", "greedy_search", "sample"]
