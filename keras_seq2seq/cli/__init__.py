"""The `keras-seq2seq` command line: train, evaluate, predict, export, data, serve, query.

One module per command group adds its commands to the parser (`add_commands`)
and runs them: `train`, `evaluate`, `predict` (predict, chat), `export` (export,
models-config), `attention`, `data`, `serve`, `query`. A command's heavy imports
(TensorFlow, Keras) happen when it runs, so that `--help` and `query` start fast.
Errors in the user's input print one line naming the problem and exit with
status 2, never a traceback.

Example:
>>> args = build_parser().parse_args(["query", "--model", "addition", "16+75"])
>>> args.run.__module__, args.texts
('keras_seq2seq.cli.query', ['16+75'])
"""

import argparse
import os
import sys

from keras_seq2seq.cli import attention, data, evaluate, export, predict, query, serve, train
from keras_seq2seq.errors import Seq2SeqError

# In the order `keras-seq2seq --help` lists their commands.
COMMAND_GROUPS = (train, evaluate, predict, export, attention, data, serve, query)


def console_main():
    """The `keras-seq2seq` console script: `main` with TensorFlow's native logging out of the way."""
    if "KERAS_SEQ2SEQ_NATIVE_LOGS" not in os.environ:
        silence_native_stderr()
    return main()


def main(argv=None):
    """Runs one command; returns the exit status (0, or 2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except Seq2SeqError as error:
        print(f"keras-seq2seq {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def silence_native_stderr():
    """Sends what TensorFlow's C++ code writes to file descriptor 2 to /dev/null.

    TensorFlow 2.21 logs through absl before `TF_CPP_MIN_LOG_LEVEL` is read, so
    every command would start with lines about CUDA and oneDNN. Python's
    `sys.stderr` (our errors, progress bars, tracebacks) keeps the real stderr.
    Set KERAS_SEQ2SEQ_NATIVE_LOGS=1 to see TensorFlow's messages.
    """
    sys.stderr.flush()
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-seq2seq", description="Train, evaluate and run RNN encoder-decoder models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    return parser
