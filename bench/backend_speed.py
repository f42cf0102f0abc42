"""CPU training throughput of the textbook recipe on each Keras backend (TensorFlow, JAX, PyTorch), in one run.

Usage: python bench/backend_speed.py [--rounds 3] [--backends tensorflow,jax,torch]

Keras picks its backend once per process, so each measurement is a fresh
process (`--worker BACKEND`) that trains the textbook peeky model (reversed
source, embedding 16, hidden 128, batch 128, 45,000 questions) with the
library's default `compile()` for one epoch that compiles (not counted) and one
timed epoch, and prints its samples per second. The backends take turns, round
after round, so that a slow spell of a shared machine hits them alike; the
table gives each backend's median and its ratio to TensorFlow's, and the spread
of the rounds says how noisy the machine was.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def worker():
    sys.path.insert(0, os.path.dirname(__file__))
    import keras
    from common import BATCH_SIZE, EMBEDDING_DIM, HIDDEN_DIM, addition_arrays

    import keras_seq2seq as ks

    tokenizer, (x, y), _ = addition_arrays()
    model = ks.PeekySeq2Seq(tokenizer=tokenizer, embedding_dim=EMBEDDING_DIM, hidden_dim=HIDDEN_DIM,
                            reverse_source=True, max_source_length=7, max_target_length=4)
    model.compile(optimizer=keras.optimizers.Adam(global_clipnorm=5.0))
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0)  # compiles
    started = time.perf_counter()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    print(json.dumps({"backend": keras.backend.backend(), "samples_per_second": len(y) / (time.perf_counter() - started)}))


def measure(backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, __file__, "--worker"], capture_output=True, text=True, env=env, check=True)
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["backend"] == backend, output
    return output["samples_per_second"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    backends = args.backends.split(",")
    rates = {backend: [] for backend in backends}
    for _ in range(args.rounds):
        for backend in backends:
            rates[backend].append(measure(backend))
    baseline = statistics.median(rates[backends[0]])
    print(f"textbook recipe (peeky, reversed, batch 128), default compile, {args.rounds} rounds taking turns")
    print(f"| backend | samples/s (median) | rounds | ratio to {backends[0]} |\n| --- | --- | --- | --- |")
    for backend in backends:
        rounds = ", ".join(f"{rate:,.0f}" for rate in rates[backend])
        print(f"| {backend} | {statistics.median(rates[backend]):,.0f} | {rounds} | "
              f"{statistics.median(rates[backend]) / baseline:.2f}x |")


if __name__ == "__main__":
    main()
