"""`keras-seq2seq export` and `keras-seq2seq models-config`: SavedModels of presets and TF Serving's config for them."""

import sys
from pathlib import Path

from keras_seq2seq.cli.decoding_flags import add_decoding_arguments, decoding_options
from keras_seq2seq.errors import InputError


def add_commands(commands):
    export = commands.add_parser("export", help="write a preset as a SavedModel for TF Serving")
    export.add_argument("--preset", required=True, help="zoo name or preset folder")
    export.add_argument("--base-path", required=True, help="model base path; the version folder goes inside")
    export.add_argument("--version", type=int, help="version number (default: one more than the highest)")
    add_decoding_arguments(export)
    export.add_argument("--n-best", type=int, metavar="N",
                        help="add the n_best signature: the N best beams of each input "
                        "(beam width N unless --beam-width)")
    export.set_defaults(run=run_export)

    config = commands.add_parser("models-config", help="write TF Serving's models.config for a folder of exports")
    config.add_argument("--models", required=True, help="folder holding NAME/<version>/ SavedModels")
    config.add_argument("--base-path-prefix", help="base path of that folder where the server sees it, e.g. /models")
    config.add_argument("--output", default="-", help="file to write, - for standard output")
    config.set_defaults(run=run_models_config)


def run_export(args):
    from keras_seq2seq.export import export

    print(f"exported {export(args.preset, args.base_path, version=args.version, **decoding_options(args))}")


def run_models_config(args):
    from keras_seq2seq.export.models_config import models_config

    text = models_config(args.models, args.base_path_prefix)
    if args.output == "-":
        sys.stdout.write(text)
        return
    try:
        Path(args.output).write_text(text)
    except OSError as error:
        raise InputError(f"cannot write {args.output}: {error.strerror}") from None
