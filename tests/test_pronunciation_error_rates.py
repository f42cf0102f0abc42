"""Word and phone error rates of g2p answers, on cases worked out by hand."""

import numpy as np
import pytest

from keras_seq2seq.metrics import pronunciation_error_rates


def levenshtein(a, b):
    """Edit distance of two symbol lists, by the textbook table (to check TensorFlow's)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def test_a_word_is_right_when_it_matches_any_reference():
    references = [["HH AH L OW", "HH EH L OW"], ["R IY D", "R EH D"]]
    assert pronunciation_error_rates(references, ["HH EH L OW", "R EH D"]) == (0.0, 0.0)
    assert pronunciation_error_rates(references, ["HH  EH L OW ", "R EH\tD"]) == (0.0, 0.0)  # spacing aside


def test_phone_errors_count_against_the_closest_reference_and_its_length():
    # "A B C" is 1 from "A B C D" (4 phones) and 3 from "X": PER 1/4, not 3/1 nor 1/1.
    assert pronunciation_error_rates([["X", "A B C D"]], ["A B C"]) == (1.0, 0.25)


def test_a_tie_takes_the_first_closest_reference():
    # "K AA T" is 1 from "K AE T" (substitution, 3 phones) and 1 from "K AA T S" (deletion, 4 phones).
    assert pronunciation_error_rates([["K AE T", "K AA T S"]], ["K AA T"]) == (1.0, pytest.approx(1 / 3))
    assert pronunciation_error_rates([["K AA T S", "K AE T"]], ["K AA T"]) == (1.0, 0.25)


def test_an_empty_output_costs_the_closest_reference_whole():
    wer, per = pronunciation_error_rates([["A B", "C D E"], "F"], ["", "F"])
    assert wer == 0.5
    assert per == pytest.approx(2 / 3)  # 2 deletions against "A B", none against "F": (2 + 0) / (2 + 1)
    assert pronunciation_error_rates(["A B"], [""]) == (1.0, 1.0)


def test_rates_pool_errors_over_the_corpus_not_word_by_word():
    # 1 error in 2 phones, 0 in 8: PER 1/10 (a mean of per-word rates would say 1/4).
    wer, per = pronunciation_error_rates(["A B", "A B C D E F G H"], ["A C", "A B C D E F G H"])
    assert (wer, per) == (0.5, pytest.approx(0.1))


def test_insertions_can_take_the_rate_above_one():
    assert pronunciation_error_rates(["A"], ["A B C"]) == (1.0, 2.0)


def test_agrees_with_a_textbook_edit_distance_on_random_cases():
    rng = np.random.default_rng(0)
    phones = ["AA", "B", "K", "S", "T"]
    references, hypotheses, expected_errors, expected_length = [], [], 0, 0
    for _ in range(50):
        refs = [list(rng.choice(phones, rng.integers(1, 6))) for _ in range(rng.integers(1, 4))]
        hyp = list(rng.choice(phones, rng.integers(0, 6)))
        distances = [levenshtein(hyp, ref) for ref in refs]
        best = int(np.argmin(distances))
        expected_errors += distances[best]
        expected_length += len(refs[best])
        references.append([" ".join(ref) for ref in refs])
        hypotheses.append(" ".join(hyp))
    _, per = pronunciation_error_rates(references, hypotheses)
    assert per == pytest.approx(expected_errors / expected_length)


@pytest.mark.parametrize(
    "references, hypotheses, message",
    [(["A"], ["A", "B"], "1 references but 2"), ([], [], "no words"), ([[]], ["A"], "at least one"),
     ([["A", " "]], ["A"], "empty")],
)
def test_bad_arguments_are_rejected(references, hypotheses, message):
    with pytest.raises(ValueError, match=message):
        pronunciation_error_rates(references, hypotheses)
