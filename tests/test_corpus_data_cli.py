"""`keras-seq2seq data translation|chitchat --split ...`: a corpus's split as TSV; wrong splits: one-line errors."""

import pytest

from keras_seq2seq.data import chitchat_pairs, ding, load_pairs

from conftest import run_cli


def test_data_translation_writes_the_split_of_the_dictionary(tmp_path, monkeypatch):
    dictionary = tmp_path / "de-en"
    line = "Katze {f} | Die Katze schläft. | Wo ist die Katze? :: cat | The cat sleeps. | Where is the cat?\n"
    dictionary.write_text(line, encoding="utf-8")
    ding.dictionary_pairs.cache_clear()
    monkeypatch.setattr(ding, "dictionary_path", lambda: dictionary)
    monkeypatch.setattr(ding, "split_of", lambda german: "test" if "Wo" in german else "dev")
    code, out, err = run_cli(["data", "translation", "--output", tmp_path / "test.tsv"])  # test by default
    assert (code, out, err) == (0, "", "")
    assert load_pairs(tmp_path / "test.tsv") == (["Wo ist die Katze?"], ["Where is the cat?"])
    assert run_cli(["data", "translation", "--split", "dev"])[1] == "Die Katze schläft.\tThe cat sleeps.\n"


def test_a_missing_dictionary_package_is_one_line_saying_how_to_install_it(monkeypatch):
    def no_dpkg(*args, **kwargs):
        raise FileNotFoundError("dpkg")

    monkeypatch.setattr(ding.subprocess, "run", no_dpkg)
    code, out, err = run_cli(["data", "translation", "--split", "test"])
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("keras-seq2seq data: error: ") and "sudo apt install trans-de-en" in err


def test_data_chitchat_writes_the_first_pairs_of_a_split():
    code, out, err = run_cli(["data", "chitchat", "--split", "dev", "--count", 3])
    messages, replies = chitchat_pairs("dev")
    assert (code, err) == (0, "") and out == "".join(f"{m}\t{r}\n" for m, r in zip(messages[:3], replies[:3]))


@pytest.mark.parametrize("task, split, known", [("chitchat", "held_out", "train, dev, test"),
                                                 ("addition", "test", "train, held_out")])
def test_a_split_the_task_does_not_have_is_a_one_line_error(task, split, known):
    code, out, err = run_cli(["data", task, "--split", split])
    assert code == 2 and out == ""
    assert err == f"keras-seq2seq data: error: the {task} task's splits are {known}, not {split}\n"


def test_data_stats_counts_what_the_filters_leave_out(monkeypatch):
    from keras_seq2seq.data import chitchat

    conversations = {"a": ["Hi!", "Hello", "Hi!", "Hello", "fuck off", "bye"], "b": ["", "ok"]}
    monkeypatch.setattr(chitchat, "conversations", lambda: conversations)
    code, out, err = run_cli(["data", "chitchat", "--stats"])
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == ["2 conversations, 6 consecutive-turn pairs",
                                    "removed: 1 for duplicates, 2 for profanity, 1 for empty"]
    code, out, err = run_cli(["data", "addition", "--stats"])
    assert code == 2 and "--stats is for the corpus tasks (translation, chitchat), not addition" in err
