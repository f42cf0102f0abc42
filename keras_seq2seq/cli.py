"""The `keras-seq2seq` command line: train, evaluate, predict, export, data, serve, query.

Errors in the user's input print one line naming the problem and exit with
status 2, never a traceback.
"""

import argparse
import os
import sys
from pathlib import Path

from keras_seq2seq.data.tasks import COMMAND_TASKS, TASKS
from keras_seq2seq.errors import InputError, Seq2SeqError


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

    train = commands.add_parser("train", help="train a model from a recipe and save it as a preset")
    train.add_argument("--recipe", required=True, help="recipe JSON file, e.g. zoo/addition/recipe.json")
    train.add_argument("--output", required=True,
                       help="new folder for the trained preset; holds checkpoints while training: "
                       "run the same command again to resume an interrupted training")
    train.add_argument("--strategy", choices=["default", "mirrored", "multi_worker"], default="default",
                       help="one device (default), every local GPU (mirrored), or the workers TF_CONFIG lists "
                       "(multi_worker); see docs/distributed.md")
    train.add_argument("--log-dir", help="TensorBoard log folder (default: OUTPUT/logs)")
    train.add_argument("--checkpoint-steps", type=int, default=100,
                       help="batches between checkpoints inside an epoch (default 100; 0: at epoch ends only)")
    train.set_defaults(run=run_train)

    evaluate = commands.add_parser(
        "evaluate", help="exact-match accuracy of greedy answers on a TSV file (word-piece models: also BLEU-4, "
        "sacreBLEU, chrF, perplexity, distinct-1/2; pronunciation models: word and phone error rates)"
    )
    evaluate.add_argument("--preset", required=True, help="zoo name or preset folder")
    evaluate.add_argument("--data", required=True, help="TSV file of source<TAB>target lines "
                          "(captioning: a folder of images with captions.tsv, image<TAB>caption lines)")
    evaluate.add_argument("--batch-size", type=int, default=1024)
    add_decoding_arguments(evaluate)
    evaluate.set_defaults(run=run_evaluate)

    predict = commands.add_parser(
        "predict", help="answer each TEXT (captioning: IMAGE file), or each line of standard input"
    )
    predict.add_argument("--preset", required=True, help="zoo name or preset folder")
    predict.add_argument("texts", nargs="*", metavar="TEXT")
    add_decoding_arguments(predict, sampling=True)
    predict.add_argument("--n-best", type=int, metavar="N",
                         help="print the N best answers of each input, best first, as TEXT<TAB>rank<TAB>answer"
                         "<TAB>score<TAB>ranking score (beam width N unless --beam-width; with --sample, N draws)")
    predict.set_defaults(run=run_predict)

    chat = commands.add_parser("chat", help="talk with a model: each line you type gets its answer")
    chat.add_argument("--preset", required=True, help="zoo name or preset folder, e.g. chatbot")
    add_decoding_arguments(chat, sampling=True)
    chat.set_defaults(run=run_chat)

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

    attention = commands.add_parser("attention", help="draw an attention model's weights for TEXT as a heatmap")
    attention.add_argument("--preset", required=True, help="zoo name or preset folder of an attention model")
    attention.add_argument("--output", required=True, help="PNG file to write")
    attention.add_argument("text", metavar="TEXT")
    attention.set_defaults(run=run_attention)

    data = commands.add_parser("data", help="write task pairs as TSV")
    data.add_argument("task", choices=list(COMMAND_TASKS))
    data.add_argument("--count", type=int,
                      help="number of pairs (default 10000; dialogue, g2p, translation, chitchat: at most this many "
                      "of the corpus's pairs, default all; no --seed)")
    data.add_argument("--seed", type=int, default=0)
    data.add_argument("--split", choices=list(dict.fromkeys(split for task in TASKS for split in task.splits)),
                      help="train or held_out (the default); g2p: train, dev (the default) or test; "
                      "translation and chitchat: train, dev or test (the default)")
    data.add_argument("--output", default="-", help="TSV file to write, - for standard output "
                      "(captioning: a folder for the PNG scenes and captions.tsv)")
    data.add_argument("--stats", action="store_true", help="translation, chitchat: print how many pairs the corpus "
                      "gives, what each filter leaves out and each split keeps, instead of writing pairs")
    data.set_defaults(run=run_data)

    add_serve_parser(commands)
    add_query_parser(commands)
    return parser


def add_decoding_arguments(parser, sampling=False):
    """The decoding flags of docs/decoding.md; `sampling` adds --sample, --temperature, --top-k, --top-p, --seed."""
    parser.add_argument("--beam-width", type=int, help="beam search width (default 1: greedy)")
    parser.add_argument("--length-penalty", type=float, default=0.0, metavar="ALPHA",
                        help="beam search ranks by log-prob / ((5 + length) / 6) ** ALPHA (GNMT; default 0: log-prob)")
    parser.add_argument("--max-length", type=int,
                        help="most tokens to generate, the end included (default: the model's limit + 1)")
    if not sampling:
        return
    parser.add_argument("--sample", action="store_true",
                        help="draw every token at random from the model's distribution (cut by the options below)")
    parser.add_argument("--temperature", type=float, default=1.0, help="with --sample: below 1 sharper, above flatter")
    parser.add_argument("--top-k", type=int, help="with --sample: draw from the K most likely tokens only")
    parser.add_argument("--top-p", type=float,
                        help="with --sample: draw from the fewest most likely tokens whose probabilities reach P")
    parser.add_argument("--seed", type=int,
                        help="with --sample: the same seed gives the same answers (default: random)")


def decoding_options(args):
    """The decoding flags of `args` as keyword arguments of `generate` or `export`.

    With --n-best N and no --beam-width, beam search keeps N beams (or N draws with --sample).
    """
    n_best, sampling = getattr(args, "n_best", None), getattr(args, "sample", False)
    default_width = n_best if n_best and not sampling else 1
    options = dict(
        beam_width=default_width if args.beam_width is None else args.beam_width,
        length_penalty=args.length_penalty,
        max_length=args.max_length,
    )
    if n_best is not None:
        options.update(num_return_sequences=n_best)
    if hasattr(args, "sample"):  # the commands that take the sampling flags
        options.update(do_sample=sampling, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                       seed=args.seed)  # fmt: skip
    return options


def add_serve_parser(commands):
    from keras_seq2seq.serve_command import add_serve_arguments

    serve = commands.add_parser(
        "serve",
        help="serve exported models over TF Serving's gRPC and REST APIs",
        description="Runs tensorflow_model_server with these flags when it is on PATH, else the embedded "
        "stand-in. With no model flags, exports every zoo preset to --models_dir and serves them all.",
    )
    add_serve_arguments(serve)
    serve.set_defaults(run=run_serve)


def add_query_parser(commands):
    query = commands.add_parser("query", help="answer each TEXT (or line of standard input) through a model server")
    query.add_argument("--model", required=True, help="model name on the server")
    target = query.add_mutually_exclusive_group()
    target.add_argument("--grpc", metavar="HOST:PORT", help="ask over gRPC")
    target.add_argument("--rest", metavar="URL", help="ask over REST (default http://127.0.0.1:8501)")
    query.add_argument("--version", type=int, help="model version (default: the latest served)")
    query.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)")
    query.add_argument("--scores", action="store_true", help="print each answer's score after a tab")
    query.add_argument("--images", action="store_true",
                       help="each TEXT (or line) is an image file to caption: its bytes are sent as image_bytes")
    query.add_argument("texts", nargs="*", metavar="TEXT")
    query.set_defaults(run=run_query)


def run_train(args):
    from keras_seq2seq.recipe import load_recipe
    from keras_seq2seq.training import train

    recipe = load_recipe(args.recipe)
    _, history = train(recipe, output=args.output, strategy=args.strategy, log_dir=args.log_dir,
                       checkpoint_steps=args.checkpoint_steps)
    print(
        f"saved {args.output}: validation exact match {history['val_exact_match'][-1]:.2%} "
        f"after {len(history['seconds'])} epochs, {sum(history['seconds']):.1f} s of training"
    )


def run_evaluate(args):
    import keras_seq2seq as ks
    from keras_seq2seq.evaluation import evaluate_pairs, report

    model = ks.from_preset(args.preset)
    if isinstance(model, ks.ImageCaptioner):
        return run_evaluate_captions(model, args)
    sources, targets = ks.data.load_pairs(args.data)
    scores = evaluate_pairs(model, sources, targets, batch_size=args.batch_size, progress=True,
                            **decoding_options(args))
    print("\n".join(report(scores, args.data)))


def run_evaluate_captions(model, args):
    import keras_seq2seq as ks
    from keras_seq2seq.metrics import corpus_bleu

    images, captions = ks.data.load_captions(args.data)
    answers = model.generate(images, batch_size=args.batch_size, progress=True, **decoding_options(args))
    right = sum(answer == caption for answer, caption in zip(answers, captions))
    print(
        f"exact match: {right / len(captions):.2%} ({right}/{len(captions)}), "
        f"BLEU-4: {corpus_bleu(captions, answers):.4f} on {args.data}"
    )


def run_predict(args):
    import keras_seq2seq as ks

    model = ks.from_preset(args.preset)
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin]
    answers = model.generate(texts, progress=len(texts) > 10000, **decoding_options(args))
    if args.n_best is None:
        for answer in answers:
            print(answer)
        return
    for text, hypotheses in zip(texts, answers):
        for rank, (answer, score, ranking_score) in enumerate(hypotheses, 1):
            print(f"{text}\t{rank}\t{answer}\t{score:.4f}\t{ranking_score:.4f}")


def run_chat(args):
    import io

    import keras_seq2seq as ks
    from keras_seq2seq.chat import chat, typed_messages

    model = ks.from_preset(args.preset)
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")  # bytes that are not UTF-8: an error message, not a crash
    if sys.stdin.isatty():
        print(f"{args.preset}: type a message and press Enter; 'quit' or Ctrl-D to leave", file=sys.stderr)
    chat(model, typed_messages(), **decoding_options(args))


def run_export(args):
    from keras_seq2seq.export import export

    print(f"exported {export(args.preset, args.base_path, version=args.version, **decoding_options(args))}")


def run_attention(args):
    import keras_seq2seq as ks
    from keras_seq2seq.plots import plot_attention

    answer = plot_attention(ks.from_preset(args.preset), args.text, args.output)
    print(f"{args.text} -> {answer}: attention drawn in {args.output}")


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


def run_serve(args):
    from keras_seq2seq.serve_command import run_serve as serve

    return serve(args)


QUERY_CHUNK = 256


def run_query(args):
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin]
    if args.images:  # both clients send bytes as binary strings (REST: {"b64": ...})
        texts = [_read_image_file(path) for path in texts]
    if args.grpc:
        from keras_seq2seq.serving.grpc_client import GrpcClient

        input_name = "image_bytes" if args.images else "text"
        client = GrpcClient(args.grpc, model=args.model, timeout=args.timeout, input_name=input_name)
    else:
        from keras_seq2seq.serving.rest_client import RestClient

        client = RestClient(args.rest or "http://127.0.0.1:8501", model=args.model, timeout=args.timeout)
    try:
        for start in range(0, len(texts), QUERY_CHUNK):
            for answer, score in client.predict_with_scores(texts[start : start + QUERY_CHUNK], version=args.version):
                print(f"{answer}\t{score:.6g}" if args.scores and score is not None else answer)
    finally:
        client.close()


def _read_image_file(path):
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read image {path!r}: {error.strerror or error}") from None


def run_data(args):
    task = COMMAND_TASKS[args.task]
    split = args.split or task.default_split
    if split not in task.splits:
        raise InputError(f"the {args.task} task's splits are {', '.join(task.splits)}, not {split}")
    if args.stats:
        return print_stats(args.task)
    task.write(args.output, split, task.default_count if args.count is None else args.count, args.seed)


def print_stats(name):
    reporting = [command_name for command_name, task in COMMAND_TASKS.items() if task.report]
    if name not in reporting:
        raise InputError(f"--stats is for the corpus tasks ({', '.join(reporting)}), not {name}")
    print("\n".join(COMMAND_TASKS[name].report()))


if __name__ == "__main__":
    sys.exit(console_main())
