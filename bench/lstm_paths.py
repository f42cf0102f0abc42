"""Training speed of the two LSTM paths: `FusedLSTM`'s own kernels against `keras.layers.LSTM` (cuDNN on a GPU).

Usage: python bench/lstm_paths.py [--rounds 4]

Where a GPU is visible it says so and times, for batch 128 and 512 and hidden
128 and 512, the textbook recipe's peeky model (reversed source, 45,000
questions) trained on each path: the fused kernels with XLA (the default
`compile` off a GPU) and the cuDNN path (`keras.layers.LSTM` on the same
weights; XLA off, it cannot compile cuDNN's kernels). It prints samples per
second (median of `--rounds` epochs after a first one that compiles, the two
paths taking turns epoch by epoch) and the cuDNN path's ratio to the fused one.

Without a GPU it says that the cuDNN comparison is skipped and times the same
two paths on the CPU at the textbook setting (batch 128, hidden 128), where
`keras.layers.LSTM` runs Keras' generic kernels: the figure behind keeping the
fused kernels as the CPU path.
"""

import argparse
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import keras  # noqa: E402
from common import EMBEDDING_DIM, addition_arrays, interleaved_samples_per_second  # noqa: E402

import keras_seq2seq as ks  # noqa: E402
from keras_seq2seq.layers import fused_lstm  # noqa: E402

GPU_GRID = [(batch_size, hidden_dim) for batch_size in (128, 512) for hidden_dim in (128, 512)]


@contextlib.contextmanager
def built_as_with_a_gpu(visible):
    """Models built inside take the path they would take where a GPU is (or is not) visible."""
    real = fused_lstm.gpu_visible
    fused_lstm.gpu_visible = lambda: visible
    try:
        yield
    finally:
        fused_lstm.gpu_visible = real


def peeky_model(tokenizer, hidden_dim, cudnn_path):
    with built_as_with_a_gpu(cudnn_path):
        model = ks.PeekySeq2Seq(tokenizer=tokenizer, embedding_dim=EMBEDDING_DIM, hidden_dim=hidden_dim,
                                reverse_source=True, max_source_length=7, max_target_length=4)
    model.compile(optimizer=keras.optimizers.Adam(global_clipnorm=5.0))  # XLA unless on the cuDNN path
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="timed epochs per setup (median)")
    args = parser.parse_args()
    gpu = fused_lstm.gpu_visible()
    print(f"Keras backend {keras.backend.backend()}; GPU visible: {'yes' if gpu else 'no'}")
    if not gpu:
        print("no GPU: the cuDNN comparison (batch 128 and 512, hidden 128 and 512) is skipped;"
              " timing both paths on the CPU at batch 128, hidden 128")
    tokenizer, (x, y), _ = addition_arrays()
    print("| batch | hidden | fused kernels + XLA, samples/s | keras.layers.LSTM path, samples/s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for batch_size, hidden_dim in GPU_GRID if gpu else [(128, 128)]:
        models = [peeky_model(tokenizer, hidden_dim, cudnn_path) for cudnn_path in (False, True)]
        fused, keras_path = interleaved_samples_per_second(models, x, y, [batch_size] * 2, rounds=args.rounds)
        print(f"| {batch_size} | {hidden_dim} | {fused:,.0f} | {keras_path:,.0f} | {keras_path / fused:.2f}x |",
              flush=True)


if __name__ == "__main__":
    main()
