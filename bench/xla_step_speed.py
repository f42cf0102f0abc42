"""Does XLA pay for this model? One training step with and without XLA, in one process, taking turns.

Usage: python bench/xla_step_speed.py [--width 16] [--hidden 256] [--layers 2] [--bidirectional] [--rounds 3]

Builds the same `AttentionSeq2Seq` twice (embedding 64, dropout 0.2, batch 128 of
random ids `width` steps long on both sides), compiled with and without XLA,
and prints the time of the first step (the compilation) of each, then the
milliseconds per step of 5 steps, the two taking turns for `--rounds` rounds,
and the ratio of their medians. The defaults are the `g2p` recipe's model.
"""

import argparse
import statistics
import time

import keras
import numpy as np

import keras_seq2seq as ks
from keras_seq2seq.data import pronunciations

BATCH_SIZE, STEPS_PER_ROUND = 128, 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=16, help="source and target width (default 16)")
    parser.add_argument("--hidden", type=int, default=256, help="hidden_dim (default 256)")
    parser.add_argument("--layers", type=int, default=2, help="encoder layers (default 2)")
    parser.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 5 steps each (default 3)")
    args = parser.parse_args()
    letters = ks.text.CharTokenizer(pronunciations.LETTERS)
    phones = ks.text.SymbolTokenizer(pronunciations.PHONES)

    def model(jit_compile):
        keras.utils.set_random_seed(0)
        model = ks.AttentionSeq2Seq(
            tokenizer=letters, target_tokenizer=phones, embedding_dim=64, hidden_dim=args.hidden,
            num_encoder_layers=args.layers, bidirectional_encoder=args.bidirectional, dropout=0.2,
            max_source_length=args.width, max_target_length=args.width,
        )
        model.compile(optimizer="adam", jit_compile=jit_compile)
        return model

    rng = np.random.default_rng(0)
    x = {
        "source_ids": rng.integers(4, letters.vocabulary_size, (BATCH_SIZE, args.width)).astype("int32"),
        "decoder_ids": rng.integers(4, phones.vocabulary_size, (BATCH_SIZE, args.width)).astype("int32"),
    }
    y = rng.integers(4, phones.vocabulary_size, (BATCH_SIZE, args.width)).astype("int32")
    setups = {"XLA": model(True), "no XLA": model(False)}
    for name, built in setups.items():
        start = time.perf_counter()
        built.train_on_batch(x, y)
        print(f"{name}: first step (compiles) {time.perf_counter() - start:.1f} s", flush=True)
    milliseconds = {name: [] for name in setups}
    for _ in range(args.rounds):
        for name, built in setups.items():
            start = time.perf_counter()
            for _ in range(STEPS_PER_ROUND):
                built.train_on_batch(x, y)
            milliseconds[name].append((time.perf_counter() - start) / STEPS_PER_ROUND * 1000)
    for name, own in milliseconds.items():
        print(f"{name}: {statistics.median(own):.0f} ms per step (rounds: {', '.join(f'{m:.0f}' for m in own)})")
    ratio = statistics.median(milliseconds["XLA"]) / statistics.median(milliseconds["no XLA"])
    print(f"an XLA step takes {ratio:.2f}x the time of a step without XLA", flush=True)


if __name__ == "__main__":
    main()
