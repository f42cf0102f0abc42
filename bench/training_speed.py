"""Training speed on the textbook addition recipe, against a straightforward Keras baseline in the same process.

Usage: python bench/training_speed.py [--quick]

Prints samples per second of one epoch (after a first epoch that compiles) for
the baseline (`keras.layers.LSTM`, Keras' default compile) and for this
library's models with each speed lever, and each one's ratio to the baseline.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
from common import BATCH_SIZE, EMBEDDING_DIM, HIDDEN_DIM, addition_arrays, baseline_model, samples_per_second  # noqa: E402

import keras_seq2seq as ks  # noqa: E402
from keras_seq2seq.metrics import masked_loss  # noqa: E402


def ours(tokenizer, peeky, jit_compile, unroll=True):
    model_class = ks.PeekySeq2Seq if peeky else ks.Seq2Seq
    model = model_class(
        tokenizer=tokenizer,
        embedding_dim=EMBEDDING_DIM,
        hidden_dim=HIDDEN_DIM,
        reverse_source=True,
        max_source_length=7,
        max_target_length=4,
    )
    model.compile(optimizer=keras.optimizers.Adam(global_clipnorm=5.0), jit_compile=jit_compile)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer configurations")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    tokenizer, (x, y), _ = addition_arrays()
    rows = []

    def measure(label, model, batch_size=BATCH_SIZE):
        rate = samples_per_second(model, x, y, batch_size)
        rows.append((label, batch_size, rate))
        print(f"{label:<58} batch {batch_size:>4}: {rate:8.0f} samples/s", flush=True)
        return rate

    for peeky in (True, False):
        name = "peeky" if peeky else "plain"
        baseline = keras.optimizers.Adam(global_clipnorm=5.0)
        base_model = baseline_model(tokenizer.vocabulary_size, peeky=peeky)
        base_model.compile(optimizer=baseline, loss=masked_loss())
        base = measure(f"{name}: baseline keras.layers.LSTM, default compile", base_model)
        fused = measure(f"{name}: FusedLSTM, no XLA", ours(tokenizer, peeky, jit_compile=False))
        xla = measure(f"{name}: FusedLSTM + XLA (the library default)", ours(tokenizer, peeky, jit_compile=True))
        print(f"{name}: ratio to baseline: FusedLSTM {fused / base:.2f}x, FusedLSTM + XLA {xla / base:.2f}x")
        if peeky and not args.quick:
            for batch_size in (256, 512):
                rate = measure(f"{name}: FusedLSTM + XLA", ours(tokenizer, peeky, True), batch_size)
                print(f"{name}: batch {batch_size} ratio to baseline at batch 128: {rate / base:.2f}x")


if __name__ == "__main__":
    main()
