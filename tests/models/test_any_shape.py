"""Every shape a user feeds a model, with the default `compile()` (XLA on): widths that change, long sequences."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.errors import InputError
from keras_seq2seq.models.shape_buckets import check_right_padded
from keras_seq2seq.text import CharTokenizer

LETTERS = list("abcd")


def default_model(model_class=ks.Seq2Seq, **options):
    """A tiny model compiled with the library's defaults: XLA on."""
    keras.utils.set_random_seed(0)
    options = {"embedding_dim": 4, "hidden_dim": 6, "max_source_length": 600, "max_target_length": 600, **options}
    model = model_class(tokenizer=CharTokenizer(LETTERS), **options)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    return model


def random_batch(rng, rows, source_width, target_width, lengths=None):
    """Right-padded random ids: `(x, y)`; row i has `lengths[i]` real source ids (all when not given)."""
    source = rng.integers(4, 8, (rows, source_width))
    if lengths is not None:
        source[np.arange(source_width)[None, :] >= np.array(lengths)[:, None]] = 0
    decoder = np.concatenate([np.full((rows, 1), 2), rng.integers(4, 8, (rows, target_width - 1))], axis=1)
    y = np.concatenate([decoder[:, 1:], np.full((rows, 1), 3)], axis=1)
    return {"source_ids": source.astype("int32"), "decoder_ids": decoder.astype("int32")}, y.astype("int32")


def padded_batch_dataset(rng, count=24, batch_size=5):
    """A user's own `tf.data` pipeline: pairs of lengths 1..12, `padded_batch` (every batch its own widths)."""
    pairs = []
    for _ in range(count):
        source = rng.integers(4, 8, rng.integers(1, 13)).tolist()
        target = source[::-1][: rng.integers(1, 6)]
        pairs.append((source, [2] + target, target + [3]))
    spec = tf.TensorSpec([None], tf.int32)
    dataset = tf.data.Dataset.from_generator(
        lambda: (({"source_ids": s, "decoder_ids": d}, y) for s, d, y in pairs),
        output_signature=({"source_ids": spec, "decoder_ids": spec}, spec),
    )
    return dataset.padded_batch(batch_size)


def test_fit_evaluate_predict_on_padded_batch_with_changing_widths():
    rng = np.random.default_rng(0)
    dataset = padded_batch_dataset(rng)
    widths = {tuple(x["source_ids"].shape[1:]) for x, _ in dataset}
    assert len(widths) > 2  # the point: batches of different widths
    model = default_model(reverse_source=True)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.isfinite(model.evaluate(dataset, verbose=0, return_dict=True)["loss"])
    logits = model.predict(dataset, verbose=0)
    assert logits.shape[0] == 24 and logits.shape[-1] == model.target_tokenizer.vocabulary_size


def test_arrays_of_one_width_train_unpadded_and_other_widths_in_buckets():
    model = default_model(model_class=ks.PeekySeq2Seq, reverse_source=True)
    traced_widths = []  # (source, decoder) widths of every batch the training step is traced for
    keras_train_step = model.train_step

    def recording_train_step(data):
        x = data[0]
        traced_widths.append((x["source_ids"].shape[1], x["decoder_ids"].shape[1]))
        return keras_train_step(data)

    model.train_step = recording_train_step
    rng = np.random.default_rng(4)
    x, y = random_batch(rng, 8, 7, 5, lengths=[7, 3, 5, 1, 2, 7, 6, 4])
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert set(traced_widths) == {(7, 5)}  # the arrays' own widths: no padding to 8
    traces = len(traced_widths)
    model.train_on_batch(*random_batch(rng, 4, 3, 2))
    assert set(traced_widths[traces:]) == {(8, 8)}  # any other widths: rounded up to their bucket
    traces = len(traced_widths)
    model.train_on_batch(*random_batch(rng, 3, 7, 5))  # a new batch size: traced anew, whatever its widths
    assert set(traced_widths[traces:]) == {(7, 5)}  # back to the first widths: not rounded up either


@pytest.mark.slow  # by default: the padded-batch test above, and tests/layers/test_fused_lstm.py's XLA loop
def test_train_on_batch_with_changing_widths_and_long_sequences():
    rng = np.random.default_rng(1)
    model = default_model(model_class=ks.AttentionSeq2Seq, reverse_source=True)
    for source_width, target_width in [(5, 3), (11, 7), (65, 9), (500, 4), (5, 3)]:
        loss = model.train_on_batch(*random_batch(rng, 3, source_width, target_width), return_dict=True)["loss"]
        assert np.isfinite(loss), (source_width, target_width)


@pytest.mark.parametrize("steps", [1, 65, 500])
def test_generate_reads_sources_of_any_length(steps):
    model = default_model(model_class=ks.PeekySeq2Seq, reverse_source=True, max_target_length=5)
    text = "abcd" * (steps // 4) + "abc"[: steps % 4]
    assert len(text) == steps
    answer, = model.generate([text])
    assert len(answer) <= 5


def test_generate_on_mixed_lengths_answers_each_text_as_alone():
    model = default_model(model_class=ks.AttentionSeq2Seq, bidirectional_encoder=True, max_target_length=6)
    texts = ["a", "abcdabcdabcdabcdabcdabcdabcd", "dcb", "b" * 70, "cc"]
    together = model.generate(texts, batch_size=2)
    assert together == [model.generate([text])[0] for text in texts]


def test_length_bucketing_pads_batches_to_a_few_widths_and_trains():
    tokenizer = CharTokenizer(LETTERS)
    rng = np.random.default_rng(2)
    sources = ["".join(rng.choice(LETTERS, rng.integers(1, 17))) for _ in range(200)]
    targets = [s[::-1][:7] for s in sources]
    dataset = ks.data.pairs_dataset(tokenizer, sources, targets, 16, 7, batch_size=16, seed=3)
    shapes = {(x["source_ids"].shape[1], y.shape[1]) for x, y in dataset}
    assert shapes == {(8, 8), (16, 8)}  # two buckets: two XLA compilations
    for x, y in dataset:  # every row fits its bucket: its length is above the next smaller width
        lengths = np.count_nonzero(x["source_ids"], axis=1)
        assert lengths.max() > x["source_ids"].shape[1] - 8 and lengths.min() > x["source_ids"].shape[1] - 8
    def first_pass(seed):
        dataset = ks.data.pairs_dataset(tokenizer, sources, targets, 16, 7, batch_size=16, seed=seed)
        return [x["source_ids"].numpy().tolist() for x, _ in dataset]

    assert first_pass(3) == first_pass(3) != first_pass(4)  # deterministic for a seed
    everything = ks.data.pairs_dataset(tokenizer, sources, targets, 16, 7, batch_size=16, shuffle=False,
                                       drop_remainder=False)
    assert sum(len(y) for _, y in everything) == 200  # evaluation sees every pair
    model = default_model(reverse_source=True)
    model.compile(jit_compile=False)  # the default compile's XLA steps are tested above
    assert np.isfinite(model.fit(dataset, epochs=1, verbose=0).history["loss"][0])


@pytest.mark.parametrize(
    "bad_row",
    [[0, 5, 6, 0], pytest.param([5, 0, 6, 0], marks=pytest.mark.slow)],  # check_right_padded's test covers both
    ids=["left padding", "padding inside"],
)
def test_a_row_not_padded_on_the_right_is_an_error_naming_it_when_the_model_reads_backwards(bad_row):
    x, y = random_batch(np.random.default_rng(3), 3, 4, 3, lengths=[4, 2, 3])
    x["source_ids"][1] = bad_row
    for options in ({"reverse_source": True}, {"bidirectional_encoder": True}):
        model = default_model(**options)
        for run in (lambda: model.train_on_batch(x, y), lambda: model.evaluate(x, y, verbose=0),
                    lambda: model.predict(x, verbose=0)):
            with pytest.raises(InputError, match=r"source_ids row 1 is \[.*\]: padding \(0\) must come after"):
                run()
    # A model that reads forwards only carries its state over the 0 and is not stopped.
    forwards = default_model()
    forwards.compile(jit_compile=False)  # what is checked does not depend on XLA; its compilation costs time
    assert np.all(np.isfinite(forwards.train_on_batch(x, y)))


def test_check_right_padded_accepts_right_padding_and_all_padding_rows():
    check_right_padded(np.array([[5, 6, 0], [0, 0, 0], [7, 7, 7]]))
    with pytest.raises(InputError, match="row 2"):
        check_right_padded(np.array([[5, 6, 0], [0, 0, 0], [0, 0, 7]]))
