"""Teacher-forcing packing: decoder input = start + target, labels = target + end, right-padded and cut to a width."""

import numpy as np
import pytest
import tensorflow as tf

from keras_seq2seq.text import CharTokenizer, SymbolTokenizer, WordPieceTokenizer
from keras_seq2seq.text.packing import teacher_forcing, teacher_forcing_ids
from keras_seq2seq.text.special_tokens import END_ID, PAD_ID, START_ID

TOKENIZERS = {
    "chars": (CharTokenizer(list("abc ")), ["ab", "", "c a", "abcabc"]),
    "symbols": (SymbolTokenizer(["AH", "HH", "L"]), ["HH AH", "", "L", "AH L HH L AH"]),
    "word pieces": (WordPieceTokenizer(["the", "dog", "sleep", "##ing", "."]), ["the dog", "", "sleeping.", "dog"]),
}


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_decoder_ids_lead_the_labels_by_one_step(name):
    tokenizer, targets = TOKENIZERS[name]
    width = 8
    decoder_ids, labels = teacher_forcing(tokenizer, targets, width)
    assert decoder_ids.dtype == labels.dtype == np.int32 and decoder_ids.shape == labels.shape == (4, width)
    for target, inputs, row_labels in zip(targets, decoder_ids, labels):
        ids = tokenizer.tokenize(tf.constant([target]))[0].numpy().tolist()
        padding = [PAD_ID] * (width - len(ids) - 1)
        assert inputs.tolist() == [START_ID, *ids, *padding], target
        assert row_labels.tolist() == [*ids, END_ID, *padding], target


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_packing_equals_the_tokenizers_own_encoding_also_when_cut(name):
    # Behaviour kept from before the packing had a module of its own: encode(add_start) and encode(add_end).
    tokenizer, targets = TOKENIZERS[name]
    for width in (1, 3, 8):
        decoder_ids, labels = teacher_forcing(tokenizer, targets, width)
        np.testing.assert_array_equal(decoder_ids, tokenizer.encode(targets, width, add_start=True))
        np.testing.assert_array_equal(labels, tokenizer.encode(targets, width, add_end=True))


def test_ids_pack_as_their_text_does():
    tokenizer, targets = TOKENIZERS["word pieces"]
    ids = tokenizer.tokenize(tf.constant(targets))
    for packed, from_text in zip(teacher_forcing_ids(ids, 5), teacher_forcing(tokenizer, targets, 5)):
        np.testing.assert_array_equal(packed, from_text)


def test_no_targets_pack_to_empty_arrays():
    decoder_ids, labels = teacher_forcing(CharTokenizer(list("ab")), [], 4)
    assert decoder_ids.shape == labels.shape == (0, 4)
