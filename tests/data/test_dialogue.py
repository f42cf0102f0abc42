"""The dialogue task: pairs from chatterbot-corpus, a split by prompt that never straddles, the recipe's data."""

import pytest

from keras_seq2seq import InputError
from keras_seq2seq.data import dialogue
from keras_seq2seq.data.dialogue import conversations, dialogue_pairs, prompt_key

YAML = """categories:
- greetings
conversations:
- - Hello
  - Hi there!
  - How are you?
- - Hello
  - Hi there!
- - "  What   is
    it? "
  - |
    Two lines
    of code.
"""


@pytest.fixture
def tiny_corpus(tmp_path, monkeypatch):
    """A corpus of one YAML file in place of the installed package's."""
    folder = tmp_path / "data" / "english"
    folder.mkdir(parents=True)
    (folder / "greetings.yml").write_text(YAML)
    (folder / "notes.txt").write_text("not a corpus file")
    monkeypatch.setattr(dialogue.importlib.resources, "files", lambda package: tmp_path)
    return folder


def test_consecutive_lines_make_pairs_whitespace_collapsed_duplicates_once(tiny_corpus, monkeypatch):
    monkeypatch.setattr(dialogue, "_is_held_out", lambda prompt: False)
    assert list(conversations()) == [["Hello", "Hi there!", "How are you?"], ["Hello", "Hi there!"],
                                     ["What is it?", "Two lines of code."]]
    assert dialogue_pairs("train") == (
        ["Hello", "Hi there!", "What is it?"],
        ["Hi there!", "How are you?", "Two lines of code."],
    )
    assert dialogue_pairs("held_out") == ([], [])


def test_the_real_corpus_splits_by_prompt_about_one_in_ten():
    train, held_out = dialogue_pairs("train"), dialogue_pairs("held_out")
    assert dialogue_pairs("train") == train  # deterministic
    assert len(train[0]) == len(train[1]) > 900 and len(held_out[0]) == len(held_out[1]) > 60
    assert 0.05 < len(held_out[0]) / (len(train[0]) + len(held_out[0])) < 0.15
    # No prompt is on both sides, whatever its case or punctuation.
    assert not set(map(prompt_key, train[0])) & set(map(prompt_key, held_out[0]))
    pairs = list(zip(*train)) + list(zip(*held_out))
    assert len(set(pairs)) == len(pairs)
    assert all(text and "\n" not in text and "\t" not in text for pair in pairs for text in pair)


def test_prompt_key_ignores_case_and_punctuation():
    assert prompt_key("Hi, How is it going?") == prompt_key("hi how is it going") == "hi how is it going"
    assert prompt_key("Hi") != prompt_key("Hit")


def test_a_missing_language_or_package_is_a_clear_error(monkeypatch):
    with pytest.raises(InputError, match="no 'klingon' conversations"):
        list(conversations("klingon"))

    def not_installed(package):
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(dialogue.importlib.resources, "files", not_installed)
    with pytest.raises(InputError, match="pip install chatterbot-corpus"):
        list(conversations())


def test_a_broken_yaml_file_is_named(tiny_corpus):
    (tiny_corpus / "broken.yml").write_text("conversations: [[unclosed\n")
    with pytest.raises(InputError, match="broken.yml is not a readable YAML file"):
        list(conversations())


def test_unknown_split():
    with pytest.raises(ValueError, match="split"):
        dialogue_pairs("test")


def test_the_recipe_task_learns_word_pieces_and_leaves_out_long_pairs():
    from keras_seq2seq.text import WordPieceTokenizer
    from keras_seq2seq.training.data import load_data, make_tokenizers

    data = {"task": "dialogue", "train_size": 10**6, "validation_size": 50, "balance_digits": 0.0}
    train, validation, vocabulary, lengths = load_data(data, seed=1)
    assert lengths == (dialogue.MAX_SOURCE_LENGTH, dialogue.MAX_TARGET_LENGTH)
    assert len(validation[0]) == 50 and set(validation[0]) <= set(dialogue_pairs("held_out")[0])
    everything = dialogue_pairs("train")
    assert 0.8 * len(everything[0]) < len(train[0]) < len(everything[0])  # long answers left out
    tokenizer, _ = make_tokenizers(data, vocabulary)
    assert type(tokenizer) is WordPieceTokenizer and tokenizer.vocabulary_size <= dialogue.VOCABULARY_SIZE
    assert max(len(ids) for ids in tokenizer.tokenize(train[1]).to_list()) <= dialogue.MAX_TARGET_LENGTH
    assert max(len(ids) for ids in tokenizer.tokenize(train[0]).to_list()) <= dialogue.MAX_SOURCE_LENGTH
    # Every held-out prompt fits the model, so `evaluate` can answer the whole held-out split.
    held_out_prompts = tokenizer.tokenize(dialogue_pairs("held_out")[0]).row_lengths().numpy()
    assert held_out_prompts.max() <= dialogue.MAX_SOURCE_LENGTH
