"""`PeekySeq2Seq`: `Seq2Seq` with the context fed to every decoder step."""

import keras

from keras_seq2seq.models.seq2seq import Seq2Seq


@keras.saving.register_keras_serializable(package="keras_seq2seq")
class PeekySeq2Seq(Seq2Seq):
    """A `Seq2Seq` whose decoder is a `PeekyDecoder`; same arguments, same inputs and outputs.

    Example:
    >>> from keras_seq2seq.text import CharTokenizer
    >>> model = PeekySeq2Seq(tokenizer=CharTokenizer(list("0123456789+")), hidden_dim=16,
    ...                      reverse_source=True, max_source_length=7, max_target_length=4)
    >>> model.decoder.__class__.__name__
    'PeekyDecoder'
    """

    decoder_kind = "peeky"
