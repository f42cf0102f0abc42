"""Training speed with MirroredStrategy on two logical CPU devices against the default strategy, same process.

Usage: python bench/distribution_speed.py [--train-size 20000] [--epochs 3]

Splits the one physical CPU into two logical devices
(`tf.config.set_logical_device_configuration`), then trains the addition
recipe (zoo/addition/recipe.json, with `--train-size` questions) with
`training.train`, once on the default strategy and once mirrored on both
devices, with the recipe's global batch. Prints samples per second of each
(fastest epoch after the first, which compiles) and the ratio to the default.
The mirrored run has no XLA (Keras cannot compile a mirrored step), so the
default strategy runs twice, with the recipe's XLA and without it.
"""

import argparse
import os
import sys
from pathlib import Path

import tensorflow as tf

# Before TensorFlow uses the CPU: two logical devices for MirroredStrategy.
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

from keras_seq2seq.recipe import load_recipe  # noqa: E402
from keras_seq2seq.training import train  # noqa: E402

RECIPE = Path(__file__).resolve().parent.parent / "zoo" / "addition" / "recipe.json"


def samples_per_second(recipe, strategy):
    _, history = train(recipe, verbose=0, strategy=strategy)
    steps = recipe["data"]["train_size"] // recipe["training"]["batch_size"]
    return steps * recipe["training"]["batch_size"] / min(history["seconds"][1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=20000, help="training questions (the recipe has 200,000)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run; the first compiles and is not counted")
    args = parser.parse_args()
    recipe = load_recipe(RECIPE)
    recipe["data"].update(train_size=args.train_size, validation_size=1000)
    recipe["training"]["epochs"] = args.epochs
    devices = [device.name for device in tf.config.list_logical_devices("CPU")]
    print(f"addition recipe, {args.train_size:,} questions, global batch {recipe['training']['batch_size']}, "
          f"{os.cpu_count()} CPU cores, logical devices {', '.join(devices)}")
    default = samples_per_second(recipe, "default")
    print(f"| default strategy (one device, XLA) | {default:,.0f} samples/s | 1.00x |", flush=True)
    no_xla = samples_per_second({**recipe, "training": {**recipe["training"], "jit_compile": False}}, "default")
    print(f"| default strategy (one device, no XLA) | {no_xla:,.0f} samples/s | {no_xla / default:.2f}x |", flush=True)
    mirrored = samples_per_second(recipe, tf.distribute.MirroredStrategy(devices))
    print(f"| MirroredStrategy, 2 logical CPUs (no XLA) | {mirrored:,.0f} samples/s | {mirrored / default:.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
