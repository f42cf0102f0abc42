import numpy as np
import pytest

from keras_seq2seq.data import addition, addition_pairs


def test_deterministic_for_a_seed():
    assert addition_pairs(50, seed=7) == addition_pairs(50, seed=7)
    assert addition_pairs(50, seed=7) != addition_pairs(50, seed=8)
    assert addition_pairs(50, seed=7, split="held_out") == addition_pairs(50, seed=7, split="held_out")


@pytest.mark.parametrize("split", ["train", "held_out"])
def test_answers_are_the_sums(split):
    questions, answers = addition_pairs(300, seed=0, split=split)
    assert len(questions) == len(answers) == 300
    for question, answer in zip(questions, answers):
        a, b = question.split("+")
        assert 0 <= int(a) <= 999 and 0 <= int(b) <= 999
        assert str(a) == str(int(a)) and str(b) == str(int(b))  # no leading zeros
        assert answer == str(int(a) + int(b))
        assert len(question) <= addition.MAX_SOURCE_LENGTH and len(answer) <= addition.MAX_TARGET_LENGTH
        assert set(question + answer) <= set(addition.VOCABULARY)


def test_train_and_held_out_never_share_a_question_whatever_the_seeds():
    train = set(addition_pairs(3000, seed=1)[0]) | set(addition_pairs(3000, seed=2)[0])
    held_out = set(addition_pairs(1000, seed=1, split="held_out")[0])
    held_out |= set(addition_pairs(1000, seed=3, split="held_out")[0])
    assert len(held_out) > 1500 and len(train) > 5000
    assert not train & held_out


def test_held_out_is_about_a_tenth_of_questions():
    # Uniform draws land in the held-out split with probability ~0.1, visible through the hash.
    a, b = np.meshgrid(np.arange(1000), np.arange(1000))
    share = addition._held_out(a.ravel(), b.ravel()).mean()
    assert 0.09 < share < 0.11


@pytest.mark.parametrize("count", [1, 7, 1000])
def test_count_is_exact(count):
    assert len(addition_pairs(count, seed=0, split="held_out")[0]) == count
    assert len(addition_pairs(count, seed=0, split="train")[1]) == count


def test_zero_pairs():
    assert addition_pairs(0, seed=0) == ([], [])


def _digit_shares(questions):
    numbers = [n for q in questions for n in q.split("+")]
    return np.bincount([len(n) for n in numbers], minlength=4)[1:] / len(numbers)


@pytest.mark.parametrize(
    "balance_digits, three_digit_share", [(0.0, 0.9), (0.5, 0.5 / 3 + 0.5 * 0.9), (1.0, 1 / 3)]
)
def test_balance_digits_draws_digit_counts_uniformly_for_its_share(balance_digits, three_digit_share):
    questions, answers = addition_pairs(3000, seed=5, balance_digits=balance_digits)
    assert (questions, answers) == addition_pairs(3000, seed=5, balance_digits=balance_digits)
    assert all(str(int(a) + int(b)) == s for q, s in zip(questions, answers) for a, b in [q.split("+")])
    assert _digit_shares(questions)[2] == pytest.approx(three_digit_share, abs=0.03)
    if balance_digits == 1.0:
        np.testing.assert_allclose(_digit_shares(questions), [1 / 3] * 3, atol=0.03)
    held_out = set(addition_pairs(2000, seed=5, split="held_out")[0])
    assert not set(questions) & held_out
