"""The peeky decoder: the context reaches every LSTM step and every affine input."""

import keras

from keras_seq2seq.layers.decoder import Decoder


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class PeekyDecoder(Decoder):
    """A `Decoder` whose every step also sees the encoder's final hidden state `h`.

    The context is concatenated to each LSTM input and each affine input. Its
    share of the LSTM gates is computed once per sequence (`FusedLSTM.constant_gates`),
    which is the same arithmetic as concatenating it to every step, with half the work.

    Example:
    >>> decoder = PeekyDecoder(vocabulary_size=15, embedding_dim=16, hidden_dim=32)
    >>> state = [keras.ops.ones((1, 32)), keras.ops.zeros((1, 32))]
    >>> tuple(decoder(keras.ops.convert_to_tensor([[2, 5]]), state).shape)
    (1, 2, 15)
    """

    def context(self, state):
        return state[0]
