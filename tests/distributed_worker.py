"""One worker of the two-process MultiWorkerMirroredStrategy test (tests/test_training_distributed.py).

    TF_CONFIG=... python tests/distributed_worker.py RECIPE OUTPUT ROWS.npy

Creates the strategy from TF_CONFIG as `keras-seq2seq train --strategy multi_worker`
does, saves the source ids of this worker's part of the first global batch to
ROWS.npy, then trains the recipe with `training.train` (the chief writes OUTPUT).
"""

import sys

import numpy as np

from keras_seq2seq.recipe import load_recipe
from keras_seq2seq.training import load_data, train
from keras_seq2seq.training.data import training_batches
from keras_seq2seq.training.strategy import make_strategy
from keras_seq2seq.training.trainer import build_model


def main(recipe_path, output, rows_path):
    strategy = make_strategy("multi_worker")  # first: before TensorFlow runs any op
    recipe = load_recipe(recipe_path)
    train_pairs, _, vocabulary, lengths = load_data(recipe["data"], recipe["seed"])
    with strategy.scope():
        model = build_model(recipe, vocabulary, lengths, steps_per_epoch=1)
    batches = training_batches(model, train_pairs, recipe["training"]["batch_size"], recipe["seed"], range(1))
    x, _ = next(iter(strategy.experimental_distribute_dataset(batches)))
    np.save(rows_path, np.concatenate([part.numpy() for part in strategy.experimental_local_results(x["source_ids"])]))
    train(recipe, output=output, verbose=0, strategy=strategy, checkpoint_steps=0)


if __name__ == "__main__":
    main(*sys.argv[1:])
