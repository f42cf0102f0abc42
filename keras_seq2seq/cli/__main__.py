"""`python -m keras_seq2seq.cli`: the `keras-seq2seq` command, for a checkout that is not pip-installed."""

import sys

from keras_seq2seq.cli import console_main

if __name__ == "__main__":  # not when the docstring tests import this module
    sys.exit(console_main())
