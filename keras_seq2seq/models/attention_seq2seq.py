"""`AttentionSeq2Seq`: `Seq2Seq` whose decoder attends over every encoder output."""

import keras
import numpy as np
import tensorflow as tf

from keras_seq2seq.errors import InputError
from keras_seq2seq.layers import AttentionDecoder
from keras_seq2seq.models.seq2seq import Seq2Seq, encode


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class AttentionSeq2Seq(Seq2Seq):
    """A `Seq2Seq` whose decoder is an `AttentionDecoder`; same inputs and outputs.

    `score` is `"dot"` (Luong, `h_t . W e_s`) or `"additive"` (Bahdanau,
    `v . tanh(W1 h_t + W2 e_s)`); `peeky=True` also feeds the encoder's final `h`
    to every decoder step, as `PeekySeq2Seq` does. The other arguments are `Seq2Seq`'s.
    `attention_weights(texts)` gives what each output character looked at.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = AttentionSeq2Seq(tokenizer=CharTokenizer(list("0123456789+")), hidden_dim=16,
    ...                          score="additive", reverse_source=True,
    ...                          max_source_length=7, max_target_length=4)
    >>> model.decoder.__class__.__name__, model.decoder.score
    ('AttentionDecoder', 'additive')
    >>> [w.shape for w in model.attention_weights(["1+2"], targets=["3"])]  # 2 rows: "3", then the end
    [(2, 3)]
    """

    decoder_class = AttentionDecoder

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
        the model's own greedy answers (`generate`); give `targets` to see the
        attention under teacher forcing instead. Every row sums to 1. The source is
        the text as the model reads it (`model_sources`: a date model's reading mark
        and the normalised text; other models' texts as they are).
        """
        if isinstance(texts, (str, bytes)):
            raise InputError("attention_weights() takes a list of strings, not a single string")
        sources = self.model_sources(texts)
        if targets is None:
            targets = self.generate(texts)
        else:
            if len(targets) != len(texts):
                raise InputError(f"{len(texts)} texts but {len(targets)} targets")
            # An empty target is an answer too (an untrained model's): its one row is the end token's.
            # So is an answer that `generate` cut at its default `max_length` without an end.
            check = self.target_tokenizer.check
            targets = [check(target, self.max_target_length + 1) if target else target for target in targets]
        if not sources:
            return []
        source_ids = self.tokenizer.encode(sources, self.max_source_length)
        source_lengths = np.count_nonzero(source_ids, axis=1)
        target_lengths = self.target_tokenizer.tokenize(tf.constant(targets, tf.string)).row_lengths().numpy()
        decoder_ids = self.target_tokenizer.encode(targets, max(target_lengths) + 1, add_start=True)
        state, encoder_outputs = encode(self.encoder, self.decoder, source_ids)
        weights = keras.ops.convert_to_numpy(self.decoder.attention_weights(decoder_ids, state, **encoder_outputs))
        result = []
        for source_length, target_length, source_weights in zip(source_lengths, target_lengths, weights):
            source_weights = source_weights[: target_length + 1, :source_length]
            if self.reverse_source:  # the encoder read the source backwards: map its steps back
                source_weights = source_weights[:, ::-1]
            result.append(np.ascontiguousarray(source_weights))
        return result

    def get_config(self):
        config = super().get_config()
        config.update({"score": self.score, "peeky": self.peeky})
        return config
