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

    Example:
    >>> encoder = TextEncoder(vocabulary_size=15, embedding_dim=16, hidden_dim=32, reverse=True)
    >>> sequence, (h, c) = encoder(keras.ops.convert_to_tensor([[5, 10, 14, 0]]))
    >>> tuple(h.shape)
    (1, 32)
    """

    def __init__(self, vocabulary_size, embedding_dim, hidden_dim, num_layers=1, reverse=False, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.reverse = reverse
        if vocabulary_size is None:
            self.embedding = keras.layers.Masking(mask_value=0.0, name="masking")
        else:
            self.embedding = keras.layers.Embedding(
                vocabulary_size, embedding_dim, mask_zero=True, name="embedding"
            )
        self.reverser = LengthAwareReverse(name="reverse") if reverse else None
        self.lstms = [FusedLSTM(hidden_dim, name=f"lstm_{index}") for index in range(num_layers)]

    def build(self, source_shape):
        # Sublayers are built here, not on first call, so that each variable gets a
        # unique TensorFlow name ("encoder/lstm_0/kernel"); a SavedModel whose names
        # collide fails to load in TF Serving's session-based loader.
        self.embedding.build(source_shape)
        features_shape = source_shape if self.vocabulary_size is None else (*source_shape, self.embedding_dim)
        for lstm in self.lstms:
            lstm.build(features_shape)
            features_shape = (*features_shape[:-1], self.hidden_dim)

    def call(self, source):
        x = self.embedding(source)
        mask = self.embedding.compute_mask(source)
        if self.reverser is not None:
            x = self.reverser(x, mask=mask)
        state = None
        for lstm in self.lstms:
            x, state = lstm(x, mask=mask)
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
            }
        )
        return config

