"""Training speed on lengths that spread (CMUdict words, 1-28 letters): bucketing against padding to the longest.

Usage: python bench/bucketing_speed.py [--pairs 20000] [--rounds 3] [--hidden 256] [--embedding 64]

One encoder-decoder (embedding 64, hidden 256 by default, batch 128, Adam) trains on the
first `--pairs` pronunciations of CMUdict's train split (`keras-seq2seq data
g2p`), in four setups that take turns epoch by epoch (the median of `--rounds`
epochs after one that compiles; see `bench/common.py`):

1. this library, `pairs_dataset` with length bucketing (the default), default `compile()`;
2. this library, every batch padded to the longest pair (`bucketing=False`), default `compile()`;
3. the same model as a tutorial writes it with a default `keras.layers.LSTM`
   (`common.baseline_model`, Keras' default `compile`), padded to the longest;
4. that `keras.layers.LSTM` model on the bucketed batches of setup 1.

It prints real (unpadded) tokens per second, source and target tokens both
counted (the target with its end id), and each setup's ratio to setups 2 and 3.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
from common import baseline_model  # noqa: E402

import keras_seq2seq as ks  # noqa: E402
from keras_seq2seq.data import pronunciations  # noqa: E402
from keras_seq2seq.metrics import masked_loss  # noqa: E402

BATCH_SIZE = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20000, help="training pairs per epoch (default 20000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed epochs per setup (default 3)")
    parser.add_argument("--hidden", type=int, default=256, help="hidden_dim (default 256)")
    parser.add_argument("--embedding", type=int, default=64, help="embedding_dim (default 64)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    words, phones = (side[: args.pairs] for side in ks.data.g2p_pairs("train"))
    letters, symbols = ks.text.CharTokenizer(pronunciations.LETTERS), ks.text.SymbolTokenizer(pronunciations.PHONES)
    lengths = (max(map(len, words)), max(len(p.split()) for p in phones))
    real_tokens = sum(map(len, words)) + sum(len(p.split()) + 1 for p in phones)

    def dataset(bucketing):
        return ks.data.pairs_dataset(letters, words, phones, *lengths, batch_size=BATCH_SIZE, seed=1,
                                     bucketing=bucketing, target_tokenizer=symbols)

    def library_model():
        model = ks.Seq2Seq(tokenizer=letters, target_tokenizer=symbols, embedding_dim=args.embedding,
                           hidden_dim=args.hidden, max_source_length=lengths[0], max_target_length=lengths[1])
        model.compile(optimizer="adam")
        return model

    def keras_lstm_model():
        model = baseline_model(symbols.vocabulary_size, peeky=False, source_vocabulary_size=letters.vocabulary_size,
                               embedding_dim=args.embedding, hidden_dim=args.hidden)
        model.compile(optimizer="adam", loss=masked_loss())
        return model

    setups = [
        ("library, bucketing (default)", library_model(), dataset(True)),
        ("library, padded to the longest", library_model(), dataset(False)),
        ("keras.layers.LSTM, padded to the longest", keras_lstm_model(), dataset(False)),
        ("keras.layers.LSTM, bucketing", keras_lstm_model(), dataset(True)),
    ]
    padded_tokens = {
        label: sum(x["source_ids"].shape[0] * (x["source_ids"].shape[1] + y.shape[1]) for x, y in data)
        for label, _, data in setups[:2]
    }
    print(f"{len(words):,} pairs, {real_tokens:,} real tokens an epoch; tokens with padding: "
          + ", ".join(f"{label}: {count:,}" for label, count in padded_tokens.items()), flush=True)
    for _, model, data in setups:  # compiles
        model.fit(data, epochs=1, verbose=0)
    seconds = [[] for _ in setups]
    for _ in range(args.rounds):
        for (_, model, data), own in zip(setups, seconds):
            start = time.perf_counter()
            model.fit(data, epochs=1, verbose=0)
            own.append(time.perf_counter() - start)
    rates = [real_tokens / statistics.median(own) for own in seconds]
    print("| setup | real tokens/s | epoch seconds (each round) | vs padded library | vs keras.layers.LSTM |")
    print("| --- | --- | --- | --- | --- |")
    for (label, _, _), rate, own in zip(setups, rates, seconds):
        print(f"| {label} | {rate:,.0f} | {', '.join(f'{s:.1f}' for s in own)} | {rate / rates[1]:.2f}x "
              f"| {rate / rates[2]:.2f}x |", flush=True)
    spread = max(max(own) / min(own) for own in seconds)
    print(f"noise: the slowest epoch of a setup took up to {spread:.2f}x its fastest", flush=True)


if __name__ == "__main__":
    main()
