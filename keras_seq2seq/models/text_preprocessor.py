"""`TextPreprocessor`: a text model's inputs before decoding and its answers after, in Python.

The model's encoder reads `source_ids` `[batch, steps]`; `generate` takes texts. In
between: each text is checked (not empty, not too long, known characters), a date
model's text is normalised and marked (`text.date_input`), texts of similar lengths
are batched together and padded to a bucket width (little padding, and one trace of
the decoding for every width), and after decoding a date model's answers are checked
(`text.iso_dates`). The exported graph does the same in TensorFlow ops
(`export/saved_model.py`); the examples here are its warm-up requests.

Example:
>>> from keras_seq2seq.text import CharTokenizer
>>> preprocessor = TextPreprocessor(CharTokenizer(list("0123456789+")), max_source_length=7)
>>> [(rows.tolist(), ids.tolist()) for rows, ids in preprocessor.batches(["16+75", "1+2"], batch_size=8)]
[([1, 0], [[5, 14, 6, 0, 0, 0, 0, 0], [5, 10, 14, 11, 9, 0, 0, 0]])]
>>> preprocessor.examples()
['0123456', '+++']
"""

import keras
import numpy as np
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.text.date_input import input_format as find_input_format
from keras_seq2seq.text.iso_dates import output_check as find_output_check
from keras_seq2seq.widths import bucket_width


class TextPreprocessor:
    """Texts to batches of source ids, and answers to checked answers; see the module docstring.

    `input_format` and `output_check` are names (None, or a date model's: see `Seq2Seq`);
    unknown names fail here.
    """

    input_kind = "text"
    input_name = "source_ids"
    sequence_inputs = ("source_ids",)  # padded on the right with 0: see `shape_buckets`
    default_batch_size = 1024
    input_spec = tf.TensorSpec([None, None], tf.int32)  # a batch of any size and width

    def __init__(self, tokenizer, max_source_length, input_format=None, output_check=None):
        find_input_format(input_format), find_output_check(output_check)  # unknown names fail here
        self.tokenizer = tokenizer
        self.max_source_length = max_source_length
        self.input_format = input_format
        self.output_check = output_check

    def keras_input(self):
        return keras.Input(shape=(None,), dtype="int32", name=self.input_name)

    def prepare(self, texts):
        """`texts` as a list of `str` (bytes decoded); `InputError` for a single string in place of a list."""
        if isinstance(texts, (str, bytes)):
            raise InputError("generate() takes a list of strings, not a single string")
        return [self.tokenizer.as_text(text) for text in texts]

    def model_sources(self, texts):
        """`texts` as the model reads them: checked, and normalised and marked if `input_format` says so.

        `InputError` names a text the model cannot take (empty, too long, an unknown character).
        """
        reader = find_input_format(self.input_format)  # e.g. the date model's normalisation and reading mark
        limit = self.max_source_length - len(reader.mark)
        texts = [reader.normalize(self.tokenizer.as_text(text)) for text in texts]
        return [reader.mark + self.tokenizer.check(text, limit) for text in texts]

    def batches(self, texts, batch_size):
        """`[(rows, source_ids [len(rows), width])]`: the texts in batches of similar lengths, `rows` their indices."""
        sources = self.model_sources(texts)
        lengths = self.tokenizer.tokenize(tf.constant(sources, tf.string)).row_lengths().numpy() if sources else []
        order = np.argsort(lengths, kind="stable")
        batches = []
        for begin in range(0, len(sources), batch_size):
            rows = order[begin : begin + batch_size]
            width = bucket_width(lengths[rows[-1]])
            batches.append((rows, self.tokenizer.encode([sources[row] for row in rows], width)))
        return batches

    def check_answers(self, texts, answers):
        """The answers to `texts` as the model gives them: a date model's checked (`text.iso_dates`)."""
        return find_output_check(self.output_check).check(texts, answers)

    def examples(self):
        """A few inputs the model takes (the exported model's warm-up requests): a date model's dates, else
        texts of its vocabulary. A date model's output check fails a request that is not a date, and a
        warm-up request that fails makes TF Serving fail to load the model."""
        reader = find_input_format(self.input_format)
        if reader.examples:
            return list(reader.examples)
        vocabulary, limit = "".join(self.tokenizer.vocabulary), self.max_source_length
        return [vocabulary[:limit], vocabulary[-1] * min(3, limit)]
