"""The chitchat task's data: consecutive turns make pairs, filters counted, a conversation in one split only."""

import json

import pytest

from keras_seq2seq import InputError
from keras_seq2seq.data import chitchat
from keras_seq2seq.data.chitchat import MAX_MESSAGE_WORDS, MAX_REPLY_WORDS, filter_pairs
from keras_seq2seq.data.hash_split import split_of


def test_each_turn_pairs_with_the_next_and_every_filter_counts_what_it_removes():
    long_message, long_reply = "word " * (MAX_MESSAGE_WORDS + 1), "word " * (MAX_REPLY_WORDS + 1)
    turns = ["Hi!", "Hello there", "Hi!", "Hello there", "Shit happens", "ok", long_message.strip(), "fine",
             long_reply.strip(), "", "bye"]
    pairs, removed = filter_pairs({"one": turns})
    assert pairs[split_of("one")] == [("Hi!", "Hello there"), ("Hello there", "Hi!")]
    assert removed == {"duplicates": 1, "profanity": 2, "length": 3, "empty": 2}
    longest = ("word " * MAX_MESSAGE_WORDS, "word " * MAX_REPLY_WORDS)  # at the limits: kept
    assert filter_pairs({"one": list(longest)})[0][split_of("one")] == [longest]


def test_profanity_is_whole_words_in_any_case_and_spares_innocent_words():
    assert chitchat.PROFANITY.search("What the FUCKING hell")
    assert not chitchat.PROFANITY.search("shito is a pepper sauce; Scunthorpe; cocktail; classic")


def test_a_conversation_is_in_one_split_and_pairs_never_cross_conversations():
    conversations = {f"conversation {n}": [f"a{n}", f"b{n}"] for n in range(60)}
    pairs, _ = filter_pairs(conversations)
    assert {split for split in pairs if pairs[split]} == {"train", "dev", "test"}
    for split, kept in pairs.items():
        assert kept == [(f"a{n}", f"b{n}") for n in range(60) if split_of(f"conversation {n}") == split]


def test_turns_join_their_messages_and_a_missing_or_broken_package_is_a_clear_error(tmp_path, monkeypatch):
    corpus = {"id": {"messages": [[{"text": "Hello"}, {"text": " how  are you?"}], [{"text": "fine"}]]}}
    (tmp_path / "dataset.json").write_text(json.dumps(corpus))
    monkeypatch.setattr(chitchat.importlib.resources, "files", lambda package: tmp_path)
    assert chitchat.conversations() == {"id": ["Hello how are you?", "fine"]}
    (tmp_path / "dataset.json").write_bytes(b"\xff{")
    with pytest.raises(InputError, match="not a readable chitchat-dataset file"):
        chitchat.conversations()

    def missing(package):
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(chitchat.importlib.resources, "files", missing)
    with pytest.raises(InputError, match="pip install chitchat-dataset"):
        chitchat.conversations()


def test_split_names_are_checked():
    with pytest.raises(ValueError, match="split must be one of train, dev, test"):
        chitchat.chitchat_pairs("held_out")


def test_the_recipe_task_trains_on_train_validates_on_dev_and_leaves_out_long_pairs(monkeypatch):
    from keras_seq2seq.errors import RecipeError
    from keras_seq2seq.recipe import SCHEMA, complete
    from keras_seq2seq.training.data import load_data

    long_reply = " ".join(["hello"] * (chitchat.MAX_TARGET_LENGTH + 1))
    corpus = {"train": (["hi", "how are you?", "hello"], ["hello", "fine, thanks", long_reply]),
              "dev": (["hey"], ["hi"])}
    monkeypatch.setattr(chitchat, "chitchat_pairs", lambda split: corpus[split])
    data = complete({"task": "chitchat"}, SCHEMA["data"], "data")
    train, validation, vocabulary, lengths = load_data(data, seed=1)
    assert train == (["hi", "how are you?"], ["hello", "fine, thanks"]) and validation == (["hey"], ["hi"])
    assert lengths == (chitchat.MAX_SOURCE_LENGTH, chitchat.MAX_TARGET_LENGTH)
    with pytest.raises(RecipeError, match="phrases applies only to the translation task"):
        load_data(dict(data, phrases=True), seed=1)
