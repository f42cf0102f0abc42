"""Training speed on the textbook addition recipe, against a straightforward Keras baseline in the same process.

Usage: python bench/training_speed.py [--quick]

Prints samples per second (fastest epoch after the first, which compiles) for
the baseline (`keras.layers.LSTM` with default settings, Keras' default
`compile`, which on a CPU means no XLA), for each speed lever on its own, and
for this library's models; then each one's ratio to the baseline. Everything
uses the textbook recipe (embedding 16, hidden 128, batch 128, Adam, global
clipping 5, 45,000 questions) unless the row names another batch size.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
from common import BATCH_SIZE, EMBEDDING_DIM, HIDDEN_DIM, addition_arrays, baseline_model, samples_per_second  # noqa: E402

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
        print(f"| setup | batch | samples/s | ratio to baseline |\n| --- | --- | --- | --- |")
        baseline = None
        for label, build, batch_size in rows:
            rate = samples_per_second(build(), x, y, batch_size)
            baseline = baseline or rate
            print(f"| {label} | {batch_size} | {rate:,.0f} | {rate / baseline:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
