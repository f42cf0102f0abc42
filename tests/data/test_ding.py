"""The translation task's data: dictionary lines parsed, cleaned, kept as sentences or phrases, split by German side.

The fixture lines are our own, written in the format of Debian's trans-de-en
dictionary (whose text is GPL and stays out of this repository).
"""

import subprocess

import pytest

from keras_seq2seq import InputError
from keras_seq2seq.data import ding, hash_split, translation_pairs

LINES = """\
# Version :: test fixture
Katze {f} [zool.] | Katzen {pl} | Die Katze schläft (gerade). | Wo ist meine Katze? :: cat | cats | The cat is asleep. | Where is my cat?
Hund {m}; Köter {m} [pej.] | ein treuer Hund | Der Hund bellt laut.; Der Köter kläfft. :: dog; mutt [pej.] | a loyal dog | The dog barks loudly.
Tür {f} | Er öffnete die Tür / das Tor. | Mach die Tür zu … | Tür an Tür wohnen :: door | He opened the door/gate. | Close the door … | to live next door
etw. öffnen {vt} | Er öffnet etw. schnell. | Sie öffnete das Fenster/Tor. :: to open sth. | He opens sth. quickly. | She opened the window.
Haus {n} | Das ist ihr Haus. :: house
Katze {f} [zool.] | Die Katze schläft. :: cat | The cat is asleep.
"""


@pytest.fixture
def dictionary(tmp_path):
    file = tmp_path / "de-en"
    file.write_text(LINES, encoding="utf-8")
    ding.dictionary_pairs.cache_clear()
    return file


def test_clean_removes_every_kind_of_annotation_and_keeps_the_first_synonym():
    assert ding.clean("Abend {m} [ugs.] <Abendzeit> (spät) ~Nacht /Abd./; Nacht {f}") == "Abend"
    assert ding.clean("Ich komme (ganz (sicher)) morgen.") == "Ich komme morgen."
    assert ding.clean("I’ll say “yes” and/or “no”.") == "I'll say \"yes\" and \"no\"."
    assert ding.clean("He waited until it came/arrived!") == "He waited until it came!"


def test_sentences_and_phrases_are_told_apart_and_ambiguous_parts_left_out(dictionary):
    sentences, phrases = ding.dictionary_pairs(str(dictionary))
    assert sentences == [
        ("Die Katze schläft.", "The cat is asleep."),  # the repeat on the last line is kept once
        ("Wo ist meine Katze?", "Where is my cat?"),
        ("Der Hund bellt laut.", "The dog barks loudly."),
        ("Sie öffnete das Fenster.", "She opened the window."),
    ]
    # a spaced slash and an ellipsis are left out; a sentence with a placeholder counts as a phrase;
    # the unaligned "Haus" line gives nothing.
    assert phrases == [("ein treuer Hund", "a loyal dog"), ("Tür an Tür wohnen", "to live next door"),
                       ("etw. öffnen", "to open sth."), ("Er öffnet etw. schnell.", "He opens sth. quickly.")]


def test_each_german_sentence_is_in_the_split_its_hash_gives_and_phrases_only_train(dictionary, monkeypatch):
    splits = {"Die Katze schläft.": "test", "Wo ist meine Katze?": "dev"}
    monkeypatch.setattr(ding, "split_of", lambda german: splits.get(german, "train"))
    assert translation_pairs("test", path=dictionary) == (["Die Katze schläft."], ["The cat is asleep."])
    assert translation_pairs("dev", phrases=True, path=dictionary) == (["Wo ist meine Katze?"], ["Where is my cat?"])
    german, _ = translation_pairs("train", phrases=True, path=dictionary)
    assert german == ["Der Hund bellt laut.", "Sie öffnete das Fenster.", "ein treuer Hund", "Tür an Tür wohnen",
                      "etw. öffnen", "Er öffnet etw. schnell."]
    assert len(translation_pairs("train", path=dictionary)[0]) == 2


def test_split_rule_is_sha1_of_the_stripped_german_side_mod_20():
    # sha1("a") = 86f7e437...: 0x86f7e437 % 20 == 19; the rule as the issue gives it, spelt out.
    assert int("86f7e437", 16) % 20 == 19 and hash_split.split_of(" a ") == "train"
    found = {hash_split.split_of(f"Satz Nummer {n}.") for n in range(200)}
    assert found == {"train", "dev", "test"}
    with pytest.raises(ValueError, match="split must be one of train, dev, test"):
        translation_pairs("held_out")


def test_a_missing_package_says_how_to_install_it(monkeypatch, tmp_path):
    def not_installed(*args, **kwargs):
        raise subprocess.CalledProcessError(1, args[0])

    monkeypatch.setattr(ding.subprocess, "run", not_installed)
    with pytest.raises(InputError, match="apt install trans-de-en"):
        translation_pairs("test")
    with pytest.raises(InputError, match=r"no dictionary file .*nothing.*apt install trans-de-en"):
        translation_pairs("test", path=tmp_path / "nothing")


def test_the_installed_package_is_found_where_dpkg_lists_it(monkeypatch, tmp_path):
    file = tmp_path / "usr" / "share" / "trans" / "de-en"
    monkeypatch.setattr(ding.subprocess, "run",
                        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, "/.\n/usr/share/trans\n"))
    with pytest.raises(InputError, match="lists no file under"):
        ding.dictionary_path()
    monkeypatch.setattr(ding, "_DICTIONARY_FOLDER", str(file.parent) + "/")
    file.parent.mkdir(parents=True)
    file.write_text(LINES, encoding="utf-8")
    monkeypatch.setattr(ding.subprocess, "run",
                        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, f"/.\n{file.parent}\n{file}\n"))
    assert ding.dictionary_path() == file


def test_the_recipe_task_trains_on_train_validates_on_dev_with_one_word_piece_vocabulary(dictionary, monkeypatch):
    from keras_seq2seq.recipe import SCHEMA, complete
    from keras_seq2seq.text import WordPieceTokenizer
    from keras_seq2seq.training.data import load_data, make_tokenizers

    monkeypatch.setattr(ding, "dictionary_path", lambda: dictionary)
    monkeypatch.setattr(ding, "split_of", lambda german: "dev" if german.startswith("Wo") else "train")
    data = complete({"task": "translation", "vocabulary_size": 60, "phrases": True}, SCHEMA["data"], "data")
    train, validation, vocabulary, lengths = load_data(data, seed=1)
    assert validation == (["Wo ist meine Katze?"], ["Where is my cat?"])
    assert len(train[0]) == 7 and "ein treuer Hund" in train[0]
    assert lengths == (ding.MAX_SOURCE_LENGTH, ding.MAX_TARGET_LENGTH)
    tokenizer, target_tokenizer = make_tokenizers(data, vocabulary)
    assert type(tokenizer) is WordPieceTokenizer and tokenizer.vocabulary_size <= 60 and target_tokenizer is None
    assert tokenizer.decode(tokenizer.encode(["Der Hund schläft."], 16)) == ["der hund schlaft."]
    without_phrases = load_data(dict(data, phrases=False), seed=1)[0]
    assert len(without_phrases[0]) == 3


def test_a_given_vocabulary_is_used_instead_of_learning_one(dictionary, monkeypatch):
    from keras_seq2seq.recipe import SCHEMA, complete
    from keras_seq2seq.text import WordPieceTokenizer
    from keras_seq2seq.training.data import load_data

    def learn(*args, **kwargs):
        raise AssertionError("a resumed run learnt its vocabulary again")

    monkeypatch.setattr(ding, "dictionary_path", lambda: dictionary)
    monkeypatch.setattr(WordPieceTokenizer, "from_texts", learn)
    data = complete({"task": "translation", "phrases": True}, SCHEMA["data"], "data")
    vocabulary = ["der", "hund", "dog", "the", "."]
    assert load_data(data, seed=1, vocabulary=vocabulary)[2] == vocabulary


def test_the_report_counts_lines_pairs_and_what_was_left_out(dictionary, monkeypatch):
    monkeypatch.setattr(ding, "split_of", lambda german: "train")
    assert ding.dictionary_report(dictionary) == [
        f"{dictionary}: 6 entry lines, 1 with unaligned sides",
        "16 part pairs: 4 distinct sentence pairs, 4 distinct phrase pairs",
        "left out (spaced slash): 1 part pairs",
        "left out (ellipsis): 1 part pairs",
        "train: 4 sentence pairs (4 distinct German sentences)",
        "dev: 0 sentence pairs (0 distinct German sentences)",
        "test: 0 sentence pairs (0 distinct German sentences)",
    ]
