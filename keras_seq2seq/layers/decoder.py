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
    every step): see `PeekyDecoder`. A decoder that reads the encoder's outputs
    at every step (`AttentionDecoder`) sets `uses_encoder_outputs = True`, gets
    `encoder_outputs` `[batch, source_steps, d]` and `encoder_mask` `[batch, source_steps]`
    in `call` and `start`, and changes what the affine layer sees through
    `output_features`; the other decoders take these arguments and ignore them.

    `num_layers` LSTMs are stacked; every one of them starts from the encoder
    state `[h, c]` (one rule for text and image encoders alike, whatever their
    depth). `dropout` drops that share of the embeddings, of the outputs between
    layers and of the affine layer's input while training; decoding (`step`) and
    exported graphs never drop anything.

    Example:
    >>> decoder = Decoder(vocabulary_size=15, embedding_dim=16, hidden_dim=32)
    >>> state = [keras.ops.zeros((1, 32)), keras.ops.zeros((1, 32))]
    >>> logits = decoder(keras.ops.convert_to_tensor([[2, 5, 9]]), state)
    >>> tuple(logits.shape)
    (1, 3, 15)
    """

    def __init__(self, vocabulary_size, embedding_dim, hidden_dim, num_layers=1, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        dtype = self.dtype_policy  # the sublayers compute under this block's policy, a mixed one too
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.dropout = dropout
        self.embedding = keras.layers.Embedding(
            vocabulary_size, embedding_dim, mask_zero=True, dtype=dtype, name="embedding"
        )
        # The first LSTM keeps the name of the one-layer decoder, so that older presets load.
        self.lstm = FusedLSTM(hidden_dim, dtype=dtype, name="lstm")
        self.upper_lstms = [
            FusedLSTM(hidden_dim, dtype=dtype, name=f"lstm_{index}") for index in range(1, num_layers)
        ]
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=dtype, name="dropout")
        # float32 logits under a mixed precision policy: softmax, loss and search stay float32.
        self.affine = keras.layers.Dense(vocabulary_size, dtype="float32", name="affine")

    # Whether `call` and `start` need the encoder's outputs and mask (see `Seq2Seq`).
    uses_encoder_outputs = False

    def context(self, state):
        """What every step sees besides its token: nothing for the plain decoder."""
        return None

    def build(self, decoder_ids_shape, state_shape, encoder_outputs_shape=None, encoder_mask_shape=None):
        # As in TextEncoder.build: explicit builds give every variable a unique name.
        context_shape = self.context(state_shape)  # the shape of whatever `context` picks
        self.embedding.build(decoder_ids_shape)
        self.lstm.build((*decoder_ids_shape, self.embedding_dim), context_shape)
        for lstm in self.upper_lstms:
            lstm.build((*decoder_ids_shape, self.hidden_dim))
        self.affine.build((*decoder_ids_shape, self.output_features_dim(context_shape, encoder_outputs_shape)))

    def output_features_dim(self, context_shape, encoder_outputs_shape=None):
        """Width of `output_features`, the affine layer's input."""
        return self.hidden_dim + (0 if context_shape is None else context_shape[-1])

    def memory(self, state, encoder_outputs=None, encoder_mask=None):
        """What stays the same at every step of a sequence: the context, and the encoder outputs if given."""
        memory = {}
        context = self.context(state)
        if context is not None:
            memory["context"] = context
        if encoder_outputs is not None:
            memory["encoder_outputs"] = encoder_outputs
            if encoder_mask is None:
                encoder_mask = ops.ones(ops.shape(encoder_outputs)[:2], dtype="bool")
            memory["encoder_mask"] = ops.cast(encoder_mask, "bool")
        return memory

    def output_features(self, outputs, memory):
        """The affine layer's input from the LSTM outputs of one step or of every step.

        `outputs` is `[batch, hidden_dim]` (from `step`, whose decoding state holds
        the memory) or `[batch, steps, hidden_dim]` (from `call`).
        """
        return _with_context(outputs, memory.get("context"))

    def lstm_outputs(self, decoder_ids, state, memory, training=None):
        """The teacher-forced outputs of the top LSTM `[batch, steps, hidden_dim]`."""
        mask = ops.not_equal(decoder_ids, 0)
        sequence, _ = self.lstm(
            self.dropout_layer(self.embedding(decoder_ids), training=training),
            constant_inputs=memory.get("context"),
            mask=mask,
            initial_state=state,
        )
        for lstm in self.upper_lstms:
            sequence, _ = lstm(self.dropout_layer(sequence, training=training), mask=mask, initial_state=state)
        return sequence

    def call(self, decoder_ids, state, encoder_outputs=None, encoder_mask=None, training=None):
        memory = self.memory(state, encoder_outputs, encoder_mask)
        features = self.output_features(self.lstm_outputs(decoder_ids, state, memory, training), memory)
        return self.affine(self.dropout_layer(features, training=training))

    def start(self, state, encoder_outputs=None, encoder_mask=None):
        """The decoding state for `step`, from the encoder state `[h, c]` (and outputs, if used).

        `start` and `step` run outside Keras' `__call__`, where a mixed precision policy
        does not cast the variables: decoding computes in the variables' dtype (float32),
        so the encoder's half-precision outputs are cast to it here and the embeddings in `step`.
        """
        state = [ops.cast(x, self.variable_dtype) for x in state]
        if encoder_outputs is not None:
            encoder_outputs = ops.cast(encoder_outputs, self.variable_dtype)
        decoding_state = {"states": [list(state) for _ in range(self.num_layers)]}
        decoding_state.update(self.memory(state, encoder_outputs, encoder_mask))
        if "context" in decoding_state:
            decoding_state["context_gates"] = self.lstm.constant_gates(decoding_state["context"])
        return decoding_state

    def step(self, token_ids, decoding_state):
        """Logits `[batch, vocabulary_size]` for the token after `token_ids` `[batch]`."""
        embedded = ops.cast(self.embedding(token_ids), self.variable_dtype)  # see `start`
        gates = self.lstm.project(embedded, decoding_state.get("context_gates"))
        h, first_state = self.lstm.step(gates, decoding_state["states"][0])
        states = [first_state]
        for lstm, state in zip(self.upper_lstms, decoding_state["states"][1:]):
            h, state = lstm.step(lstm.project(h), state)
            states.append(state)
        logits = self.affine(self.output_features(h, decoding_state))
        return logits, {**decoding_state, "states": states}

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim,
                "num_layers": self.num_layers,
                "dropout": self.dropout,
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
