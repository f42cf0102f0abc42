"""What each encoder option gives on CMUdict: plain, attention, bidirectional and stacked, at one small budget.

Usage: python examples/g2p_architectures.py [--output g2p_architectures] [--epochs 5] [--hidden 128]
       [--variants plain attention bidirectional stacked stacked_decoder]

Each variant is a recipe (`recipe()`) trained by the library's own trainer into
`--output/<variant>` (so a killed run resumes, and a finished variant is not
trained again), then decoded greedily on the **dev** split (the test split is
never used to choose): word and phone error rates, exact match as
`keras-seq2seq evaluate` prints them. All variants share the data, the seed, the
width, the schedule and the number of epochs; they differ in the encoder and
decoder only. Prints a Markdown table (parameters, training seconds, dev WER
and PER) and writes it to `--output/table.md`.
"""

import argparse
import json
import time
from pathlib import Path

import keras_seq2seq as ks
from keras_seq2seq.data import g2p_pairs
from keras_seq2seq.evaluation import evaluate_pairs
from keras_seq2seq.recipe import SCHEMA, complete
from keras_seq2seq.training import train

VARIANTS = {  # name: (what it is, the model section's options)
    "plain": ("Seq2Seq, source reversed", {"class_name": "Seq2Seq", "reverse_source": True}),
    "attention": ("attention, one encoder LSTM", {"class_name": "AttentionSeq2Seq"}),
    "bidirectional": ("attention, one bidirectional encoder layer",
                      {"class_name": "AttentionSeq2Seq", "bidirectional_encoder": True}),
    "stacked": ("attention, two bidirectional encoder layers",
                {"class_name": "AttentionSeq2Seq", "bidirectional_encoder": True, "num_encoder_layers": 2}),
    "stacked_decoder": ("attention, two bidirectional encoder layers, two decoder layers",
                        {"class_name": "AttentionSeq2Seq", "bidirectional_encoder": True, "num_encoder_layers": 2,
                         "num_decoder_layers": 2}),
}


def recipe(variant, epochs, hidden):
    """The complete recipe of `variant`: the `g2p` preset's schedule, smaller and shorter."""
    model = {"embedding_dim": 32, "hidden_dim": hidden, "dropout": 0.2, "input_format": "lowercase",
             **VARIANTS[variant][1]}
    if model["class_name"] == "AttentionSeq2Seq":  # as the preset: attention finds the letters, in reading order
        model.update(score="dot", reverse_source=False)
    return complete({
        "name": f"g2p_{variant}",
        "seed": 1,
        "data": {"task": "g2p"},
        "model": model,
        "training": {"epochs": epochs, "batch_size": 128, "learning_rate": 0.004, "final_learning_rate": 4e-05,
                     "global_clipnorm": 5.0, "jit_compile": False},
    }, SCHEMA, where=f"variant {variant}")


def trained(variant, folder, epochs, hidden):
    """The variant's preset in `folder`, trained now unless it is there; its training seconds."""
    if not (folder / "config.json").exists():
        train(recipe(variant, epochs, hidden), output=folder, verbose=2)
    history = json.loads((folder / "history.json").read_text())
    return ks.from_preset(folder), sum(history["seconds"])


def dev_scores(model):
    """`(word error rate, phone error rate)` of greedy answers on the dev split, words per second."""
    start = time.perf_counter()
    scores = evaluate_pairs(model, *g2p_pairs("dev"), batch_size=512)
    return scores["wer"], scores["per"], scores["sources"] / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("g2p_architectures"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    rows = ["| variant | model | parameters | training s | dev WER | dev PER | words/s (greedy) |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for variant in args.variants:
        model, seconds = trained(variant, args.output / variant, args.epochs, args.hidden)
        wer, per, speed = dev_scores(model)
        rows.append(f"| {variant} | {VARIANTS[variant][0]} | {model.count_params():,} | {seconds:,.0f} | "
                    f"{wer:.2%} | {per:.2%} | {speed:,.0f} |")
        print(rows[-1], flush=True)
    table = "\n".join(rows)
    (args.output / "table.md").write_text(table + "\n")
    print(f"\n{args.epochs} epochs, hidden {args.hidden}, embedding 32, dropout 0.2, batch 128, greedy, dev split\n"
          + table)


if __name__ == "__main__":
    main()
