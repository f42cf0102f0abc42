"""`keras-seq2seq attention`: an attention model's weights for one text, drawn as a heatmap."""


def add_commands(commands):
    attention = commands.add_parser("attention", help="draw an attention model's weights for TEXT as a heatmap")
    attention.add_argument("--preset", required=True, help="zoo name or preset folder of an attention model")
    attention.add_argument("--output", required=True, help="PNG file to write")
    attention.add_argument("text", metavar="TEXT")
    attention.set_defaults(run=run_attention)


def run_attention(args):
    import keras_seq2seq as ks
    from keras_seq2seq.plots import plot_attention

    answer = plot_attention(ks.from_preset(args.preset), args.text, args.output)
    print(f"{args.text} -> {answer}: attention drawn in {args.output}")
