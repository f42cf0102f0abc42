"""The textbook comparison on the date task: plain, peeky and attention, all with reversed input.

Usage: python examples/date_comparison.py [--epochs 10] [--train-size 45000] [--variants plain peeky attention] [--output docs]

The textbook recipe: embedding 16, hidden 256, batch 128, Adam (learning rate
0.001), gradient clipping at global norm 5, reversed input, 10 epochs, exact
match on a held-out 10% of 50,000 dates. The variants can run in separate
processes (`--variants attention`); each adds its row to the same JSON file. Our dates come from
`keras_seq2seq.data.dates.training_pairs` (22 written formats in many styles, years 1000-2999,
both readings of ambiguous dates, a few non-dates; as the `date` preset reads them:
normalised and marked), a harder mix than the textbook's `date.txt`. Writes
`date_comparison.json` and `.png` (exact match per epoch) to `--output` and
prints a table.
"""

import argparse
import json
import time
from pathlib import Path

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import keras_seq2seq as ks  # noqa: E402
from keras_seq2seq.data import dates  # noqa: E402

VARIANTS = {
    "plain": ks.Seq2Seq,
    "peeky": ks.PeekySeq2Seq,
    "attention": ks.AttentionSeq2Seq,
}
SEED = 1


def train_variant(model_class, epochs, train_size):
    keras.utils.set_random_seed(SEED)
    tokenizer = ks.text.CharTokenizer(dates.VOCABULARY)
    lengths = (dates.MAX_SOURCE_LENGTH, dates.MAX_TARGET_LENGTH)
    train = dates.training_pairs(train_size, SEED, "train")
    held_out = dates.training_pairs(train_size // 9, SEED + 1, "held_out")  # 10% of the whole
    model = model_class(
        tokenizer=tokenizer, embedding_dim=16, hidden_dim=256, reverse_source=True,
        max_source_length=lengths[0], max_target_length=lengths[1],
    )
    model.compile(optimizer=keras.optimizers.Adam(0.001, global_clipnorm=5.0))
    start = time.perf_counter()
    history = model.fit(
        ks.data.pairs_dataset(tokenizer, *train, *lengths, batch_size=128, seed=SEED),
        validation_data=ks.data.pairs_dataset(tokenizer, *held_out, *lengths, shuffle=False, drop_remainder=False),
        epochs=epochs,
        verbose=2,
    )
    seconds = time.perf_counter() - start
    # The teacher-forced exact match equals greedy decoding's; check it once on the final model.
    answers = model.generate(held_out[0])
    greedy = sum(a == b for a, b in zip(answers, held_out[1])) / len(answers)
    return history.history["val_exact_match"], greedy, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=45000)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS),
                        help="models to train (none: only redraw the plot and table from the JSON file)")
    parser.add_argument("--output", default="docs")
    args = parser.parse_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    # Results of earlier runs (say, the other variants run in another process) are kept.
    path = output / "date_comparison.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.variants:
        curve, greedy, seconds = train_variant(VARIANTS[name], args.epochs, args.train_size)
        results[name] = {"exact_match_per_epoch": curve, "greedy_exact_match_final": greedy,
                         "training_seconds": seconds}
        print(f"{name}: final held-out exact match {curve[-1]:.2%} (greedy generate: {greedy:.2%}), "
              f"{seconds:.0f} s", flush=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
    results = {name: results[name] for name in VARIANTS if name in results}
    plot(results, args.epochs, output / "date_comparison.png")
    print_table(results)


def plot(results, epochs, path):
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, result in results.items():
        curve = result["exact_match_per_epoch"]
        axis.plot(range(1, len(curve) + 1), [100 * v for v in curve], marker="o", markersize=3, label=name)
    axis.set(xlabel="epoch", ylabel="held-out exact match (%)", ylim=(0, 100), xlim=(0.5, epochs + 0.5),
             title="Dates (reversed input, hidden 256): held-out exact match per epoch")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def print_table(results):
    epochs = max(len(result["exact_match_per_epoch"]) for result in results.values())
    print("| model | " + " | ".join(f"epoch {e}" for e in range(1, epochs + 1)) + " |")
    print("| --- | " + " | ".join("---" for _ in range(epochs)) + " |")
    for name, result in results.items():
        print(f"| {name} | " + " | ".join(f"{v:.1%}" for v in result["exact_match_per_epoch"]) + " |")


if __name__ == "__main__":
    main()
