"""The decoder block: embedding, an LSTM started from the encoder state, and an affine layer."""

import keras
from keras import ops

from keras_seq2seq.layers.fused_lstm import FusedLSTM


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class Decoder(keras.layers.Layer):
    """Teacher-forced logits for training, and one `step` for decoding, on the same weights.

    `call(decoder_ids, state)` maps `[batch, steps]` ids (start id first) and the
    encoder state `[h, c]` to logits `[batch, steps, vocabulary_size]`.
    For decoding, `start(state)` gives a decoding state and
    `step(token_ids, decoding_state) -> (logits, decoding_state)` advances one token.

    Subclasses change what the decoder sees through `context` (what is fed to
    every step) and nothing else: see `PeekyDecoder`.

    Example:
    >>> decoder = Decoder(vocabulary_size=15, embedding_dim=16, hidden_dim=32)
    >>> state = [keras.ops.zeros((1, 32)), keras.ops.zeros((1, 32))]
    >>> logits = decoder(keras.ops.convert_to_tensor([[2, 5, 9]]), state)
    >>> tuple(logits.shape)
    (1, 3, 15)
    """

    def __init__(self, vocabulary_size, embedding_dim, hidden_dim, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, name="embedding"
        )
        self.lstm = FusedLSTM(hidden_dim, name="lstm")
        self.affine = keras.layers.Dense(vocabulary_size, name="affine")

    def context(self, state):
        """What every step sees besides its token: nothing for the plain decoder."""
        return None

    def build(self, decoder_ids_shape, state_shape):
        # As in TextEncoder.build: explicit builds give every variable a unique name.
        context_shape = self.context(state_shape)  # the shape of whatever `context` picks
        self.embedding.build(decoder_ids_shape)
        self.lstm.build((*decoder_ids_shape, self.embedding_dim), context_shape)
        context_dim = 0 if context_shape is None else context_shape[-1]
        self.affine.build((*decoder_ids_shape, self.hidden_dim + context_dim))

    def call(self, decoder_ids, state):
        context = self.context(state)
        sequence, _ = self.lstm(
            self.embedding(decoder_ids),
            constant_inputs=context,
            mask=ops.not_equal(decoder_ids, 0),
            initial_state=state,
        )
        return self.affine(_with_context(sequence, context))

    def start(self, state):
        """The decoding state for `step`, from the encoder state `[h, c]`."""
        decoding_state = {"h": state[0], "c": state[1]}
        context = self.context(state)
        if context is not None:
            decoding_state["context"] = context
            decoding_state["context_gates"] = self.lstm.constant_gates(context)
        return decoding_state

    def step(self, token_ids, decoding_state):
        """Logits `[batch, vocabulary_size]` for the token after `token_ids` `[batch]`."""
        context = decoding_state.get("context")
        gates = self.lstm.project(self.embedding(token_ids), decoding_state.get("context_gates"))
        h, (h, c) = self.lstm.step(gates, [decoding_state["h"], decoding_state["c"]])
        logits = self.affine(_with_context(h, context))
        return logits, {**decoding_state, "h": h, "c": c}

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim,
            }
        )
        return config


def _with_context(features, context):
    """Concatenates `context` `[batch, d]` to `features` of one step or of every step."""
    if context is None:
        return features
    if len(features.shape) == 3:
        context = ops.broadcast_to(context[:, None, :], (*ops.shape(features)[:2], ops.shape(context)[-1]))
    return ops.concatenate([features, context], axis=-1)
