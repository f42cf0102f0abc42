"""The attention decoder: every step reads a weighted sum of all the encoder's outputs."""

import warnings

import keras
from keras import ops

from keras_seq2seq.layers.decoder import Decoder

SCORES = ("dot", "additive")
# Added to the scores of padded encoder steps before the softmax: their weights underflow to exactly 0.
MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class AttentionDecoder(Decoder):
    """A `Decoder` that attends over every encoder output at every step (Luong-style, after the LSTM).

    At step t the LSTM runs as in `Decoder`; its output `h_t` then scores every
    encoder output `e_s`:

    - `score="dot"`: Luong's "general" score `h_t . W e_s` (`W` maps the encoder's
      width to the decoder's, so the two may differ);
    - `score="additive"`: Bahdanau's score `v . tanh(W1 h_t + W2 e_s)`.

    `W e_s` (or `W2 e_s`) is computed once per sequence, not once per step.

    Padded encoder steps (`encoder_mask` False) get a large negative score
    before the softmax, so their weight is exactly 0. The context vector
    `sum_s a_ts e_s` is concatenated to `h_t` (and to the peeky context when
    `peeky=True`) before the affine layer; the attention does not feed back into
    the LSTM's input (no input feeding), so teacher forcing stays one LSTM pass.

    `peeky=True` also feeds the encoder's final `h` to every LSTM step and every
    affine input, as `PeekyDecoder` does (through `FusedLSTM`'s constant inputs).

    `call(decoder_ids, state, encoder_outputs, encoder_mask)` needs the encoder's
    outputs; `start(state, encoder_outputs, encoder_mask)` keeps them in the
    decoding state for `step`. `attention_weights(...)` gives the weights
    `[batch, target_steps, source_steps]` over the encoder's steps: with a
    reversing encoder these are in the encoder's (reversed) order
    (`AttentionSeq2Seq.attention_weights` maps them back to the source order).

    Example:
    >>> decoder = AttentionDecoder(vocabulary_size=15, embedding_dim=16, hidden_dim=32, score="additive")
    >>> state = [keras.ops.zeros((1, 32)), keras.ops.zeros((1, 32))]
    >>> encoder_outputs = keras.ops.ones((1, 4, 32))
    >>> encoder_mask = keras.ops.convert_to_tensor([[True, True, True, False]])
    >>> ids = keras.ops.convert_to_tensor([[2, 5, 9]])
    >>> tuple(decoder(ids, state, encoder_outputs, encoder_mask).shape)
    (1, 3, 15)
    >>> weights = decoder.attention_weights(ids, state, encoder_outputs, encoder_mask)
    >>> [round(float(w), 3) for w in keras.ops.convert_to_numpy(weights)[0, 0]]  # the padded step gets 0
    [0.333, 0.333, 0.333, 0.0]
    """

    uses_encoder_outputs = True

    def __init__(self, vocabulary_size, embedding_dim, hidden_dim, score="dot", peeky=False, **kwargs):
        if score not in SCORES:
            raise ValueError(f"score must be one of {', '.join(map(repr, SCORES))}, got {score!r}")
        super().__init__(vocabulary_size, embedding_dim, hidden_dim, **kwargs)
        self.score = score
        self.peeky = peeky
        # W ("dot") or W2 ("additive"): the encoder outputs into hidden_dim units.
        dtype = self.dtype_policy  # as the Decoder's sublayers
        self.key_dense = keras.layers.Dense(hidden_dim, use_bias=False, dtype=dtype, name="attention_key")
        if score == "additive":
            self.query_dense = keras.layers.Dense(hidden_dim, use_bias=False, dtype=dtype, name="attention_query")  # W1
            self.score_dense = keras.layers.Dense(1, use_bias=False, dtype=dtype, name="attention_score")  # v

    def context(self, state):
        return state[0] if self.peeky else None

    def build(self, decoder_ids_shape, state_shape, encoder_outputs_shape=None, encoder_mask_shape=None):
        if encoder_outputs_shape is None:
            raise ValueError("AttentionDecoder needs encoder_outputs: call(decoder_ids, state, encoder_outputs)")
        super().build(decoder_ids_shape, state_shape, encoder_outputs_shape, encoder_mask_shape)
        self.key_dense.build(encoder_outputs_shape)
        if self.score == "additive":
            self.query_dense.build((*decoder_ids_shape, self.hidden_dim))
            self.score_dense.build((*encoder_outputs_shape[:-1], self.hidden_dim))

    def output_features_dim(self, context_shape, encoder_outputs_shape=None):
        return super().output_features_dim(context_shape) + encoder_outputs_shape[-1]

    def memory(self, state, encoder_outputs=None, encoder_mask=None):
        if encoder_outputs is None:
            raise ValueError("AttentionDecoder needs encoder_outputs: call(decoder_ids, state, encoder_outputs)")
        memory = super().memory(state, encoder_outputs, encoder_mask)
        memory["keys"] = self.key_dense(encoder_outputs)  # W e_s or W2 e_s: [batch, source_steps, hidden]
        return memory

    def attend(self, outputs, memory):
        """`(context vectors, weights)` for LSTM outputs of one step `[batch, hidden]` or all steps.

        For all steps: `[batch, steps, encoder_dim]` and `[batch, steps, source_steps]`;
        for one step the `steps` axis is left out.
        """
        one_step = len(outputs.shape) == 2
        queries = outputs[:, None, :] if one_step else outputs  # [batch, steps, hidden]
        encoder_outputs, keys = memory["encoder_outputs"], memory["keys"]
        if self.score == "dot":
            scores = ops.matmul(queries, ops.transpose(keys, (0, 2, 1)))  # [batch, steps, source_steps]
        else:
            hidden = ops.tanh(self.query_dense(queries)[:, :, None, :] + keys[:, None, :, :])
            scores = ops.squeeze(self.score_dense(hidden), axis=-1)  # [batch, steps, source_steps]
        mask = memory["encoder_mask"][:, None, :]
        scores = ops.where(mask, scores, ops.cast(MASKED_SCORE, scores.dtype))
        with warnings.catch_warnings():  # a one-character source has one step: its weight is rightly 1
            warnings.filterwarnings("ignore", message="You are using a softmax over axis")
            weights = ops.softmax(scores, axis=-1)
        weights = ops.where(mask, weights, ops.zeros_like(weights))
        attended = ops.matmul(weights, encoder_outputs)
        if one_step:
            return attended[:, 0], weights[:, 0]
        return attended, weights

    def output_features(self, outputs, memory):
        attended, _ = self.attend(outputs, memory)
        return ops.concatenate([super().output_features(outputs, memory), attended], axis=-1)

    def attention_weights(self, decoder_ids, state, encoder_outputs, encoder_mask=None):
        """Teacher-forced attention weights `[batch, target_steps, source_steps]` over the encoder's steps."""
        memory = self.memory(state, encoder_outputs, encoder_mask)
        _, weights = self.attend(self.lstm_outputs(decoder_ids, state, memory), memory)
        return weights

    def get_config(self):
        config = super().get_config()
        config.update({"score": self.score, "peeky": self.peeky})
        return config
