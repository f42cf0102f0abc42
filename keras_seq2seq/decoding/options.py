"""`DecodingOptions`: the decoding a user asks for (greedy, beam, sampling; length, n-best), checked once, then run.

The names are Hugging Face `generate`'s where it has one (`num_return_sequences`,
`do_sample`, `temperature`, `top_k`, `top_p`, `length_penalty`) and keras-hub's
`max_length`; `beam_width` is this library's name for Hugging Face's `num_beams`.
`max_length` counts the generated tokens, the end id included, as Hugging Face's
`max_new_tokens` does: an answer has at most `max_length` tokens, and one that
reaches it without its end id is cut there. docs/decoding.md shows them all with examples.
"""

import dataclasses
import numbers
import secrets

from keras import ops

from keras_seq2seq.decoding.beam import beam_search_n_best, ranking_score, repeat_rows
from keras_seq2seq.decoding.greedy import greedy_search
from keras_seq2seq.decoding.sampling import sample
from keras_seq2seq.errors import InputError


@dataclasses.dataclass(frozen=True)
class DecodingOptions:
    """How to decode: greedy (the default), beam search (`beam_width` > 1) or sampling (`do_sample=True`).

    - `max_length`: the most tokens to generate, the end id included.
    - `beam_width`, `length_penalty`: beam search, ranked by `log_prob / ((5 + length) / 6) ** length_penalty`
      (GNMT's penalty; `length` counts the end id).
    - `num_return_sequences` (N): answers per input, best first by that ranking: the N best
      beams (N at most `beam_width`), or N samples.
    - `do_sample`, `temperature`, `top_k`, `top_p`: draw every token (see `keras_seq2seq.decoding.sampling`).

    Bad values raise `InputError` naming the option. Frozen and hashable: a model keeps
    one traced decoding function per `DecodingOptions`.

    Example:
    >>> DecodingOptions(max_length=8, beam_width=4, num_return_sequences=2).beam_width
    4
    >>> DecodingOptions(max_length=8, top_k=5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    keras_seq2seq.errors.InputError: temperature, top_k and top_p apply only when sampling: ...
    """

    max_length: int
    beam_width: int = 1
    length_penalty: float = 0.0
    num_return_sequences: int = 1
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int = None
    top_p: float = None

    @classmethod
    def make(cls, **options):
        """`DecodingOptions(**options)`, with an `InputError` naming an option that does not exist."""
        names = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise InputError(f"unknown decoding option {unknown[0]!r}; the options are {', '.join(names)}")
        return cls(**options)

    def __post_init__(self):
        _check_int("max_length", self.max_length)
        _check_int("beam_width", self.beam_width)
        _check_int("num_return_sequences", self.num_return_sequences)
        if not _is_number(self.length_penalty):
            raise InputError(f"length_penalty must be a number, got {self.length_penalty!r}")
        if self.do_sample:
            self._check_sampling()
        elif (self.temperature, self.top_k, self.top_p) != (1.0, None, None):
            raise InputError("temperature, top_k and top_p apply only when sampling: add do_sample=True (--sample)")
        elif self.num_return_sequences > self.beam_width:
            raise InputError(
                f"num_return_sequences ({self.num_return_sequences}) must be at most beam_width ({self.beam_width}): "
                "beam search returns its best beams"
            )

    def _check_sampling(self):
        if self.beam_width != 1:
            raise InputError(f"do_sample=True draws one path per answer: beam_width must be 1, got {self.beam_width}")
        if not (_is_number(self.temperature) and self.temperature > 0):
            raise InputError(f"temperature must be a number above 0, got {self.temperature!r}")
        if self.top_k is not None:
            _check_int("top_k", self.top_k)
        if self.top_p is not None and not (_is_number(self.top_p) and 0 < self.top_p <= 1):
            raise InputError(f"top_p must be above 0 and at most 1, got {self.top_p!r}")

    def decode(self, step, state, batch_size, start_id, end_id, seed=0, never_drawn=()):
        """Runs the chosen search over `step(tokens, state) -> (logits, state)` (see `greedy_search`).

        `seed` (an int or int tensor, shape `[]` or `[2]`) and `never_drawn` (ids that
        are not answers, such as the unknown id) are used only when sampling.
        Returns `(ids [batch, N, max_length], scores [batch, N], ranking_scores [batch, N])`,
        best first: the answers' tokens (end id included, then 0), their summed
        log-probabilities, and what they were ranked by (with the length penalty).

        Example (a fake model: after the start, 2 or 3 at 0.5 each, then the end):
        >>> import numpy as np
        >>> probs = np.array([[0, 0, 5, 5], [1, 1, 1, 1], [0, 9, 0, 0], [0, 9, 0, 0]], "float32") + 1e-3
        >>> step = lambda tokens, state: (ops.take(np.log(probs), tokens, axis=0), state)
        >>> options = DecodingOptions(max_length=3, do_sample=True, num_return_sequences=4)
        >>> ids, scores, _ = options.decode(step, (), 1, start_id=0, end_id=1, seed=1)
        >>> ops.convert_to_numpy(ids).shape, sorted(set(ops.convert_to_numpy(ids)[0, :, 0].tolist()))
        ((1, 4, 3), [2, 3])
        """
        search = dict(step=step, batch_size=batch_size, start_id=start_id, end_id=end_id, max_length=self.max_length)
        n_best = self.num_return_sequences
        if self.beam_width > 1:
            return beam_search_n_best(
                state=state, num_return_sequences=n_best, beam_width=self.beam_width,
                length_penalty=self.length_penalty, **search,
            )  # fmt: skip
        if self.do_sample:
            search.update(batch_size=batch_size * n_best)
            ids, scores = sample(state=repeat_rows(state, n_best), seed=seed, temperature=self.temperature,
                                 top_k=self.top_k, top_p=self.top_p, never_drawn=never_drawn, **search)  # fmt: skip
        else:
            ids, scores = greedy_search(state=state, **search)
        ids = ops.reshape(ids, (-1, n_best, self.max_length))
        scores = ops.reshape(scores, (-1, n_best))
        has_end = ops.any(ids == end_id, axis=-1)
        lengths = ops.where(has_end, ops.argmax(ops.cast(ids == end_id, "int32"), axis=-1) + 1, self.max_length)
        ranks, order = ops.top_k(ranking_score(scores, lengths, self.length_penalty), k=n_best)
        return ops.take_along_axis(ids, order[:, :, None], axis=1), ops.take_along_axis(scores, order, axis=1), ranks


def check_seed(seed):
    """The sampling seed to use: `seed` if it is an int from 0 to 2**63 - 1, a random one for None."""
    if seed is None:
        return secrets.randbelow(2**63)
    if not _is_integer(seed) or not 0 <= seed < 2**63:
        raise InputError(f"seed must be an integer from 0 to 2**63 - 1, got {seed!r}")
    return seed


def _check_int(name, value):
    if not _is_integer(value):
        raise InputError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise InputError(f"{name} must be at least 1, got {value!r}")


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
