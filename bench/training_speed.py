"""Training speed on the textbook addition recipe, against a straightforward Keras baseline in the same process.

Usage: python bench/training_speed.py [--quick]

Prints samples per second (median of 4 epochs after the first, which compiles;
the setups take turns epoch by epoch, see `interleaved_samples_per_second`) for
the baseline (`keras.layers.LSTM` with default settings, Keras' default
`compile`, which on a CPU means no XLA), for each speed lever on its own, and
for this library's models; then each one's ratio to the baseline. Everything
uses the textbook recipe (embedding 16, hidden 128, batch 128, Adam, global
clipping 5, 45,000 questions) unless the row names another batch size.

Last, it times the floor of a training step at batch 128: the matrix products
that must run one after another, whatever the implementation (see
`recurrent_floor_ms`), and prints the largest ratio to the baseline that floor
allows.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import BATCH_SIZE, EMBEDDING_DIM, HIDDEN_DIM, addition_arrays, baseline_model, interleaved_samples_per_second  # noqa: E402

import keras_seq2seq as ks  # noqa: E402
from keras_seq2seq.metrics import masked_loss  # noqa: E402


def library_model(tokenizer, peeky, jit_compile):
    model_class = ks.PeekySeq2Seq if peeky else ks.Seq2Seq
    model = model_class(
        tokenizer=tokenizer, embedding_dim=EMBEDDING_DIM, hidden_dim=HIDDEN_DIM,
        reverse_source=True, max_source_length=7, max_target_length=4,
    )
    model.compile(optimizer=keras.optimizers.Adam(global_clipnorm=5.0), jit_compile=jit_compile)
    return model


def keras_model(tokenizer, peeky, unroll=False, jit_compile="auto"):
    model = baseline_model(tokenizer.vocabulary_size, peeky=peeky, unroll=unroll)
    model.compile(optimizer=keras.optimizers.Adam(global_clipnorm=5.0), loss=masked_loss(), jit_compile=jit_compile)
    return model


def recurrent_floor_ms(steps, batch_size=BATCH_SIZE, repeats=200):
    """Milliseconds per training step of the products no LSTM implementation can avoid or overlap.

    Each recurrence step multiplies the state `[batch, H]` by the recurrent kernel
    `[H, 4H]` in the forward pass, and the backward pass multiplies each step's gate
    gradient by the kernel's transpose; each product waits for the one before. So a
    step of `steps` recurrence steps (encoder plus decoder) runs at least
    `2 * steps` chained products with the cell's activations between them. The rows
    of a batch are independent, so the batch may also run as two half-batch chains
    side by side (one per core); the faster of the two ways counts. Left out (so the
    real floor is higher): the kernel's own gradient, embeddings, loss and optimizer.
    """
    units = HIDDEN_DIM

    def timed(chains):
        @tf.function(jit_compile=True)
        def chained_products(h, kernel):
            states = tf.split(h, chains)
            for _ in range(2 * steps):
                gates = [state @ kernel for state in states]
                states = [tf.sigmoid(z[:, :units]) * tf.tanh(z[:, units : 2 * units]) for z in gates]
            return tf.concat(states, 0)

        h, kernel = tf.random.normal((batch_size, units)), tf.random.normal((units, 4 * units)) * 0.05
        chained_products(h, kernel).numpy()
        start = time.perf_counter()
        for _ in range(repeats):
            result = chained_products(h, kernel)
        result.numpy()
        return (time.perf_counter() - start) / repeats * 1000

    return min(timed(1), timed(2))


def print_floor(baseline_rate, steps):
    floor_ms = recurrent_floor_ms(steps)
    best_rate = BATCH_SIZE / floor_ms * 1000
    print(
        f"floor at batch {BATCH_SIZE}: {2 * steps} chained {BATCH_SIZE}x{HIDDEN_DIM} by "
        f"{HIDDEN_DIM}x{4 * HIDDEN_DIM} products (as one chain or two half-batch chains) take {floor_ms:.2f} ms per training step, "
        f"so at most {best_rate:,.0f} samples/s = {best_rate / baseline_rate:.2f}x the baseline",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="baseline and library default only")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    tokenizer, (x, y), _ = addition_arrays()
    for peeky in (True, False):
        name = "peeky" if peeky else "plain"
        rows = [("baseline: keras.layers.LSTM, default compile", lambda: keras_model(tokenizer, peeky), BATCH_SIZE)]
        if not args.quick:
            rows += [
                ("keras.layers.LSTM(unroll=True)", lambda: keras_model(tokenizer, peeky, unroll=True), BATCH_SIZE),
                ("keras.layers.LSTM(unroll=True) + XLA",
                 lambda: keras_model(tokenizer, peeky, unroll=True, jit_compile=True), BATCH_SIZE),
                ("FusedLSTM (fused projections, unrolled), no XLA",
                 lambda: library_model(tokenizer, peeky, jit_compile=False), BATCH_SIZE),
            ]
        rows.append(("FusedLSTM + XLA (library default)", lambda: library_model(tokenizer, peeky, True), BATCH_SIZE))
        if not args.quick:
            rows += [("FusedLSTM + XLA", lambda: library_model(tokenizer, peeky, True), size) for size in (256, 512)]
        print(f"\n{name} model, reversed source, 45,000 questions")
        print("| setup | batch | samples/s | ratio to baseline |\n| --- | --- | --- | --- |")
        models = [build() for _, build, _ in rows]
        rates = interleaved_samples_per_second(models, x, y, [batch_size for _, _, batch_size in rows])
        baseline = rates[0]
        for (label, _, batch_size), rate in zip(rows, rates):
            print(f"| {label} | {batch_size} | {rate:,.0f} | {rate / baseline:.2f}x |", flush=True)
        # Encoder steps (source length) plus decoder steps (start token + target length).
        print_floor(baseline, x["source_ids"].shape[1] + x["decoder_ids"].shape[1])


if __name__ == "__main__":
    main()
