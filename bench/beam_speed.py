"""Beam search against greedy decoding: exact match and cost per sequence, in the same run.

Usage: python bench/beam_speed.py [--preset addition] [--count 5000] [--beam-widths 2 4 8]

Decodes the same held-out questions greedily and with each beam width, and
prints exact match and sequences per second for each, and each one's cost per
sequence relative to greedy.
"""

import argparse
import time

import keras_seq2seq as ks

TASKS = {"addition": ks.data.addition_pairs, "date": ks.data.date_pairs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="addition", choices=sorted(TASKS))
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--beam-widths", type=int, nargs="+", default=[2, 4, 8])
    args = parser.parse_args()
    model = ks.from_preset(args.preset)
    questions, answers = TASKS[args.preset](args.count, seed=7, split="held_out")
    print("| decoding | exact match | sequences/s | cost per sequence vs greedy |\n| --- | --- | --- | --- |")
    greedy_rate = None
    for width in [1, *args.beam_widths]:
        model.generate(questions[:8], beam_width=width)  # trace outside the clock
        start = time.perf_counter()
        predictions = model.generate(questions, beam_width=width)
        rate = len(questions) / (time.perf_counter() - start)
        greedy_rate = greedy_rate or rate
        exact = sum(p == a for p, a in zip(predictions, answers)) / len(answers)
        name = "greedy" if width == 1 else f"beam {width}"
        print(f"| {name} | {exact:.2%} | {rate:,.0f} | {greedy_rate / rate:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
