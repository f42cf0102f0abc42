"""`keras-seq2seq evaluate`: a preset's scores on a TSV file (captioning: on a folder of captioned images)."""

from keras_seq2seq.cli.decoding_flags import add_decoding_arguments, decoding_options


def add_commands(commands):
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


def run_evaluate(args):
    import keras_seq2seq as ks

    model = ks.from_preset(args.preset)
    evaluate = {"text": run_evaluate_pairs, "images": run_evaluate_captions}[model.input_kind]
    return evaluate(model, args)


def run_evaluate_pairs(model, args):
    import keras_seq2seq as ks
    from keras_seq2seq.evaluation import evaluate_pairs, report

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
