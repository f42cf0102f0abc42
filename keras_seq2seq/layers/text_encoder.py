"""The encoder block: ids (or float features) into stacked LSTMs; its final state is the context."""

import keras

from keras_seq2seq.layers.fused_lstm import FusedLSTM
from keras_seq2seq.layers.length_aware_reverse import LengthAwareReverse


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class TextEncoder(keras.layers.Layer):
    """Reads a right-padded sequence; returns `(sequence_output, [h, c])` of the last LSTM.

    Padded steps (id 0, or all-zero feature vectors when `vocabulary_size` is None)
    are masked: the state carries over them, so `[3, 7]` and `[3, 7, 0, 0, 0]`
    give the same context. With `reverse=True` the real steps are read backwards
    and the padding stays on the right.

    With `bidirectional=True` every layer is two LSTMs of `hidden_dim // 2` units,
    one reading the real steps forwards and one backwards (by length: the padding
    stays on the right, so it changes nothing); their outputs are concatenated
    to `hidden_dim` features, and so are their final states: the context is
    `[concat(h_forward, h_backward), concat(c_forward, c_backward)]`, as wide as
    the decoder (OpenNMT's rule for bidirectional encoders, no bridge layer).
    `dropout` drops that share of the embeddings and of the outputs between
    layers while training.

    Example:
    >>> encoder = TextEncoder(vocabulary_size=15, embedding_dim=16, hidden_dim=32, reverse=True)
    >>> sequence, (h, c) = encoder(keras.ops.convert_to_tensor([[5, 10, 14, 0]]))
    >>> tuple(h.shape)
    (1, 32)
    """

    def __init__(
        self, vocabulary_size, embedding_dim, hidden_dim, num_layers=1, reverse=False, bidirectional=False,
        dropout=0.0, **kwargs,
    ):
        super().__init__(**kwargs)
        dtype = self.dtype_policy  # the sublayers compute under this block's policy, a mixed one too
        if bidirectional and hidden_dim % 2:
            raise ValueError(f"a bidirectional encoder splits hidden_dim in two halves: give an even one, not {hidden_dim}")
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.reverse = reverse
        self.bidirectional = bidirectional
        self.dropout = dropout
        if vocabulary_size is None:
            self.embedding = keras.layers.Masking(mask_value=0.0, dtype=dtype, name="masking")
        else:
            self.embedding = keras.layers.Embedding(
                vocabulary_size, embedding_dim, mask_zero=True, dtype=dtype, name="embedding"
            )
        self.reverser = LengthAwareReverse(dtype=dtype, name="reverse") if reverse or bidirectional else None
        units = hidden_dim // 2 if bidirectional else hidden_dim
        self.lstms = [FusedLSTM(units, dtype=dtype, name=f"lstm_{index}") for index in range(num_layers)]
        self.backward_lstms = [
            FusedLSTM(units, dtype=dtype, name=f"lstm_{index}_backward") for index in range(num_layers)
        ] if bidirectional else []
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=dtype, name="dropout")

    def build(self, source_shape):
        # Sublayers are built here, not on first call, so that each variable gets a
        # unique TensorFlow name ("encoder/lstm_0/kernel"); a SavedModel whose names
        # collide fails to load in TF Serving's session-based loader.
        self.embedding.build(source_shape)
        features_shape = source_shape if self.vocabulary_size is None else (*source_shape, self.embedding_dim)
        for index, lstm in enumerate(self.lstms):
            layer_inputs_shape = features_shape if index == 0 else (*features_shape[:-1], self.hidden_dim)
            lstm.build(layer_inputs_shape)
            if self.bidirectional:
                self.backward_lstms[index].build(layer_inputs_shape)

    def call(self, source, training=None):
        x = self.dropout_layer(self.embedding(source), training=training)
        mask = self.embedding.compute_mask(source)
        if self.reverse:
            x = self.reverser(x, mask=mask)
        state = None
        for index, lstm in enumerate(self.lstms):
            if index:
                x = self.dropout_layer(x, training=training)
            if not self.bidirectional:
                x, state = lstm(x, mask=mask)
                continue
            forward, (h, c) = lstm(x, mask=mask)
            backward, (back_h, back_c) = self.backward_lstms[index](self.reverser(x, mask=mask), mask=mask)
            x = keras.ops.concatenate([forward, self.reverser(backward, mask=mask)], axis=-1)
            state = [keras.ops.concatenate([h, back_h], axis=-1), keras.ops.concatenate([c, back_c], axis=-1)]
        return x, state

    def compute_mask(self, source, mask=None):
        return self.embedding.compute_mask(source), [None, None]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim,
                "num_layers": self.num_layers,
                "reverse": self.reverse,
                "bidirectional": self.bidirectional,
                "dropout": self.dropout,
            }
        )
        return config

