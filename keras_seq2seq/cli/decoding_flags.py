"""The decoding flags of docs/decoding.md, shared by evaluate, predict, chat and export.

Example:
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_decoding_arguments(parser)
>>> decoding_options(parser.parse_args(["--beam-width", "4"]))
{'beam_width': 4, 'length_penalty': 0.0, 'max_length': None}
"""


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
