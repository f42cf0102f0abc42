"""The textbook comparison on the addition task: plain, reversed, and peeky + reversed.

Usage: python examples/addition_comparison.py [--epochs 25] [--balance-digits 0] [--output docs]

The textbook recipe: embedding 16, hidden 128, batch 128, Adam (learning rate
0.001), gradient clipping at global norm 5, 25 epochs, exact match on a held-out
10% of 50,000 questions. Writes `addition_comparison<suffix>.json` and `.png`
(exact match per epoch) to `--output` and prints a table.

`--balance-digits 1` draws each number's digit count uniformly (as the
textbook's own `addition.txt` does) for training and held-out questions alike;
the default 0 draws a and b uniformly from 0..999, as the task is defined here.
"""

import argparse
import json
from pathlib import Path

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import keras_seq2seq as ks  # noqa: E402
from keras_seq2seq.data import addition  # noqa: E402

# Held-out exact match of the textbook's own NumPy code, run on our machines (epoch: accuracy).
TEXTBOOK = {
    "plain": {25: 0.100},
    "reversed": {25: 0.50},
    "peeky + reversed": {10: 0.88, 17: 0.97, 25: 0.981},
}
VARIANTS = {
    "plain": (ks.Seq2Seq, False),
    "reversed": (ks.Seq2Seq, True),
    "peeky + reversed": (ks.PeekySeq2Seq, True),
}
SEED = 1


def train_variant(model_class, reverse, epochs, balance_digits):
    keras.utils.set_random_seed(SEED)
    tokenizer = ks.text.CharTokenizer(addition.VOCABULARY)
    lengths = (addition.MAX_SOURCE_LENGTH, addition.MAX_TARGET_LENGTH)
    train = ks.data.addition_pairs(45000, SEED, "train", balance_digits=balance_digits)
    held_out = ks.data.addition_pairs(5000, SEED + 1, "held_out", balance_digits=balance_digits)
    model = model_class(
        tokenizer=tokenizer, embedding_dim=16, hidden_dim=128, reverse_source=reverse,
        max_source_length=lengths[0], max_target_length=lengths[1],
    )
    model.compile(optimizer=keras.optimizers.Adam(0.001, global_clipnorm=5.0))
    history = model.fit(
        ks.data.pairs_dataset(tokenizer, *train, *lengths, batch_size=128, seed=SEED),
        validation_data=ks.data.pairs_dataset(tokenizer, *held_out, *lengths, shuffle=False, drop_remainder=False),
        epochs=epochs,
        verbose=2,
    )
    # The teacher-forced exact match equals greedy decoding's; check it once on the final model.
    answers = model.generate(held_out[0])
    greedy = sum(a == b for a, b in zip(answers, held_out[1])) / len(answers)
    return history.history["val_exact_match"], greedy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--balance-digits", type=float, default=0.0)
    parser.add_argument("--output", default="docs")
    args = parser.parse_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, (model_class, reverse) in VARIANTS.items():
        curve, greedy = train_variant(model_class, reverse, args.epochs, args.balance_digits)
        results[name] = {"exact_match_per_epoch": curve, "greedy_exact_match_final": greedy}
        print(f"{name}: final held-out exact match {curve[-1]:.2%} (greedy generate: {greedy:.2%})", flush=True)
    name = "addition_comparison" + ("_balanced" if args.balance_digits else "")
    (output / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    title = "digit counts uniform" if args.balance_digits else "a, b uniform in 0..999"
    plot(results, args.epochs, output / f"{name}.png", title)
    print_table(results, args.epochs)


def plot(results, epochs, path, data_title):
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, result in results.items():
        curve = result["exact_match_per_epoch"]
        line, = axis.plot(range(1, len(curve) + 1), [100 * v for v in curve], marker="o", markersize=3, label=f"{name} (keras-seq2seq)")
        marks = TEXTBOOK[name]
        axis.scatter(list(marks), [100 * v for v in marks.values()], marker="x", s=60, color=line.get_color(),
                     label=f"{name} (textbook NumPy code)")
    axis.set(xlabel="epoch", ylabel="held-out exact match (%)", ylim=(0, 100), xlim=(0.5, epochs + 0.5),
             title=f"Addition ({data_title}): held-out exact match per epoch")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def print_table(results, epochs):
    marks = sorted({5, 10, 17, epochs} & set(range(1, epochs + 1)))
    print("| model | " + " | ".join(f"epoch {e}" for e in marks) + " | textbook |")
    print("| --- | " + " | ".join("---" for _ in marks) + " | --- |")
    for name, result in results.items():
        curve = result["exact_match_per_epoch"]
        textbook = ", ".join(f"{v:.1%} at {e}" for e, v in TEXTBOOK[name].items())
        print(f"| {name} | " + " | ".join(f"{curve[e - 1]:.1%}" for e in marks) + f" | {textbook} |")


if __name__ == "__main__":
    main()
