"""`fit` on NumPy arrays goes through `array_batches`: Keras' batches, without tf.data autotuning (no epoch-start stall)."""

import keras
import numpy as np

import keras_seq2seq as ks
from keras_seq2seq.models.array_batches import array_batches


def test_every_pass_yields_every_row_once_in_a_new_order_the_last_batch_short():
    x = {"source_ids": np.arange(20).reshape(10, 2), "decoder_ids": np.arange(10).reshape(10, 1)}
    dataset = array_batches(x, np.arange(10), batch_size=4, seed=3)
    passes = [[(batch_x, batch_y.numpy()) for batch_x, batch_y in dataset] for _ in range(2)]
    for batches in passes:
        assert [len(y) for _, y in batches] == [4, 4, 2]
        rows = np.concatenate([y for _, y in batches])
        assert sorted(rows) == list(range(10))
        for batch_x, y in batches:  # x and y rows stay together
            np.testing.assert_array_equal(batch_x["source_ids"].numpy()[:, 0], 2 * y)
    assert not np.array_equal(np.concatenate([y for _, y in passes[0]]), np.concatenate([y for _, y in passes[1]]))
    assert dataset.options().autotune.enabled is False


def test_fit_on_arrays_trains_through_array_batches_and_keeps_keras_s_step_count(monkeypatch):
    tokenizer = ks.text.CharTokenizer(list("0123456789+"))
    x, y = ks.data.encode_pairs(tokenizer, *ks.data.addition_pairs(40, seed=0), 7, 4)
    model = ks.Seq2Seq(tokenizer=tokenizer, embedding_dim=4, hidden_dim=8, max_source_length=7, max_target_length=4)
    model.compile(jit_compile=False)
    fed = []
    keras_fit = keras.Model.fit
    monkeypatch.setattr(keras.Model, "fit", lambda self, x, *args, **kwargs: fed.append(x) or keras_fit(self, x, *args, **kwargs))
    steps = []
    callback = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[callback])
    assert fed[0].options().autotune.enabled is False
    assert steps == [0, 1, 2, 0, 1, 2]  # 16 + 16 + 8 rows per epoch, as Keras batches arrays
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_split=0.25)
    assert isinstance(fed[1], dict)  # Keras splits and batches the arrays itself
