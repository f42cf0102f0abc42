"""`keras-seq2seq predict` and `keras-seq2seq chat`: a preset's answers to texts, lines of input, or messages."""

import sys

from keras_seq2seq.cli.decoding_flags import add_decoding_arguments, decoding_options


def add_commands(commands):
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
