"""`AttentionSeq2Seq`: `Seq2Seq` whose decoder attends over every encoder output."""

from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.models.encoder_decoder import encode
from keras_seq2seq.models.seq2seq import Seq2Seq
from keras_seq2seq.text.packing import teacher_forcing, teacher_forcing_ids
from keras_seq2seq.text.special_tokens import SPECIAL_TOKENS


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class AttentionSeq2Seq(Seq2Seq):
    """A `Seq2Seq` whose decoder is an `AttentionDecoder`; same inputs and outputs.

    `score` is `"dot"` (Luong, `h_t . W e_s`) or `"additive"` (Bahdanau,
    `v . tanh(W1 h_t + W2 e_s)`); `peeky=True` also feeds the encoder's final `h`
    to every decoder step, as `PeekySeq2Seq` does. The other arguments are `Seq2Seq`'s.
    `attention_weights(texts)` gives what each output character looked at, and
    `greedy_attention(texts)` the answers with it.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = AttentionSeq2Seq(tokenizer=CharTokenizer(list("0123456789+")), hidden_dim=16,
    ...                          score="additive", reverse_source=True,
    ...                          max_source_length=7, max_target_length=4)
    >>> model.decoder.__class__.__name__, model.decoder.score
    ('AttentionDecoder', 'additive')
    >>> [w.shape for w in model.attention_weights(["1+2"], targets=["3"])]  # 2 rows: "3", then the end
    [(2, 3)]
    >>> (answer,) = model.greedy_attention(["1+2"])  # untrained, so the answer is noise
    >>> answer.weights.shape == (len(answer.pieces) + 1, 3)
    True
    """

    decoder_kind = "attention"

    def __init__(self, tokenizer, score="dot", peeky=False, **kwargs):
        super().__init__(tokenizer, _decoder_options={"score": score, "peeky": peeky}, **kwargs)
        self.score = score
        self.peeky = peeky

    def attention_weights(self, texts, targets=None):
        """The attention weights of each text, as a list of NumPy arrays `[target tokens + 1, source tokens]`.

        Row t holds the weights over the source's tokens (characters, symbols or
        word pieces: `tokenizer.pieces(source)`), in the source's own order (also
        when `reverse_source=True`), while the decoder predicts token t of the
        target (`target_tokenizer.pieces(target)`; the last row: the end). The targets default to
        the model's own greedy answers (`greedy_attention`, whose rows are the tokens it wrote);
        give `targets` to see the attention under teacher forcing instead. Every row sums to 1.
        The source is the text as the model reads it (`model_sources`: a date model's reading
        mark and the normalised text; other models' texts as they are).
        """
        if targets is None:
            return [answer.weights for answer in self.greedy_attention(texts)]
        sources = self.model_sources(self._texts(texts, "attention_weights"))
        if len(targets) != len(texts):
            raise InputError(f"{len(texts)} texts but {len(targets)} targets")
        # An empty target is an answer too (an untrained model's): its one row is the end token's.
        # So is an answer that `generate` cut at its default `max_length` without an end.
        check = self.target_tokenizer.check
        targets = [check(target, self.max_target_length + 1) if target else target for target in targets]
        if not sources:
            return []
        source_ids = self.tokenizer.encode(sources, self.max_source_length)
        decoder_ids, _ = teacher_forcing(self.target_tokenizer, targets, self._decoder_width)
        return self._source_order_weights(source_ids, encode(self.encoder, self.decoder, source_ids), decoder_ids)

    def greedy_attention(self, texts):
        """Each text's greedy answer with its attention: a list of `AnswerAttention(answer, pieces, weights)`.

        `answer` is what `generate(texts)` answers; `pieces` are the tokens the decoder
        wrote for it, taken from its ids, and `weights` (`[len(pieces) + 1, source tokens]`,
        as `attention_weights`) has a row for each piece and one for the end. The text is
        decoded once and the answer's ids are not read back from its text: an untrained
        word-piece model can write `##ing dog`, whose text reads back as other pieces.
        """
        texts = [self.tokenizer.as_text(text) for text in self._texts(texts, "greedy_attention")]
        sources = self.model_sources(texts)
        if not sources:
            return []
        source_ids = self.tokenizer.encode(sources, self.max_source_length)
        encoded = encode(self.encoder, self.decoder, source_ids)  # once, for the search and the weights
        ids = keras.ops.convert_to_numpy(self.search(*encoded, len(sources))[0])
        answer_ids = tf.ragged.boolean_mask(ids, self.target_tokenizer.answer_mask(ids))  # what the text keeps
        decoder_ids, _ = teacher_forcing_ids(answer_ids, self._decoder_width)
        weights = self._source_order_weights(source_ids, encoded, decoder_ids)
        answers = self.preprocessor.check_answers(texts, self.target_tokenizer.decode(ids))
        tokens = SPECIAL_TOKENS + list(self.target_tokenizer.vocabulary)
        return [
            AnswerAttention(answer, [tokens[id_] for id_ in row], row_weights)
            for answer, row, row_weights in zip(answers, answer_ids.to_list(), weights)
        ]

    @property
    def _decoder_width(self):
        """Room for the start id and the longest target: `generate` writes up to `max_target_length + 1` tokens."""
        return self.max_target_length + 2

    def _texts(self, texts, method):
        if isinstance(texts, (str, bytes)):
            raise InputError(f"{method}() takes a list of strings, not a single string")
        return texts

    def _source_order_weights(self, source_ids, encoded, decoder_ids):
        """The weights of `decoder_ids` (start + target, right-padded), cut to each row's tokens, in source order."""
        state, encoder_outputs = encoded
        weights = keras.ops.convert_to_numpy(self.decoder.attention_weights(decoder_ids, state, **encoder_outputs))
        result = []
        for source_length, rows, source_weights in zip(
            np.count_nonzero(source_ids, axis=1), np.count_nonzero(decoder_ids, axis=1), weights
        ):
            source_weights = source_weights[:rows, :source_length]  # a row per target token, one for the end
            if self.reverse_source:  # the encoder read the source backwards: map its steps back
                source_weights = source_weights[:, ::-1]
            result.append(np.ascontiguousarray(source_weights))
        return result

    def get_config(self):
        config = super().get_config()
        config.update({"score": self.score, "peeky": self.peeky})
        return config


class AnswerAttention(NamedTuple):
    """A greedy answer and what it looked at (`AttentionSeq2Seq.greedy_attention`)."""

    answer: str  # as `generate` answers
    pieces: list  # the tokens the decoder wrote, one per row of `weights` but the last (the end's)
    weights: np.ndarray  # [len(pieces) + 1, source tokens], in the source's order
