"""Side by side with g2p-en on CMUdict's test words: words per second, WER and PER, in one run, taking turns.

Usage: python bench/g2p_en_comparison.py [--preset g2p] [--rounds 3] [--count N] [--batch-size 1024]

g2p-en (PyPI `g2p-en` 2.1, by Kyubyong Park and Jongseok Kim) is what many text-to-speech front ends use:
it looks a word up in CMUdict and, for a word missing from it, runs a NumPy GRU encoder-decoder trained on
CMUdict, one word at a time (`G2p.predict`). Here every test word goes through that model, as if it were
missing from the lexicon; ours answers them with batched greedy `generate`. The two take turns for `--rounds`
rounds over the same words, and each rate is the median of its rounds.

g2p-en is a benchmark-only dependency, not in setup.cfg. Install it without its dependencies, which only its
text front end needs (its model needs NumPy alone):

    pip install --no-deps g2p-en

Its package imports NLTK and downloads NLTK data on import, so this script never imports the package: it
runs `g2p_en/g2p.py` as a file with stand-ins for the NLTK and `inflect` names that module binds at import
(the lexicon, tokenizer, tagger and number spelling, which `predict` never calls; `nltk.download` raises).

g2p-en was trained on CMUdict with a split of its own, so it may have seen many of our test words in
training; its WER and PER here are then flattering. Its phones carry stress digits, removed before scoring.
"""

import argparse
import importlib.util
import re
import statistics
import sys
import time
import types
from pathlib import Path
from unittest import mock

import keras_seq2seq as ks
from keras_seq2seq.data import g2p_references
from keras_seq2seq.metrics import pronunciation_error_rates


def load_g2p_en():
    """g2p-en's `G2p` object, built by running its g2p.py without NLTK (see the module docstring)."""
    spec = importlib.util.find_spec("g2p_en")  # finds the package without running its __init__
    if spec is None:
        sys.exit("g2p-en is not installed: pip install --no-deps g2p-en (a benchmark-only dependency)")
    folder = Path(spec.submodule_search_locations[0])

    def no_download(*args, **kwargs):
        raise RuntimeError("g2p-en tried to download NLTK data; this benchmark runs offline")

    nltk = types.ModuleType("nltk")
    nltk.pos_tag = None  # used by G2p.__call__ only, never by predict
    nltk.download = no_download
    nltk.data = types.SimpleNamespace(find=lambda name: name)  # "found": so no download is tried
    corpus = types.ModuleType("nltk.corpus")
    corpus.cmudict = types.SimpleNamespace(dict=dict)  # an empty lexicon: predict does not read it
    tokenize = types.ModuleType("nltk.tokenize")
    tokenize.TweetTokenizer = lambda: types.SimpleNamespace(tokenize=None)
    package = types.ModuleType("g2p_en")
    package.__path__ = [str(folder)]
    expand = types.ModuleType("g2p_en.expand")  # number spelling, with inflect: __call__ only
    expand.normalize_numbers = None
    stand_ins = {"nltk": nltk, "nltk.corpus": corpus, "nltk.tokenize": tokenize, "g2p_en": package,
                 "g2p_en.expand": expand}
    with mock.patch.dict(sys.modules, stand_ins):
        module_spec = importlib.util.spec_from_file_location("g2p_en.g2p", folder / "g2p.py")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module.G2p()


def g2p_en_pronounce(g2p, words):
    """g2p-en's model on each word, one at a time as it runs out-of-lexicon words; stress digits removed."""
    return [" ".join(re.sub(r"\d$", "", phone) for phone in g2p.predict(word)) for word in words]


def words_per_second(pronounce, words):
    start = time.perf_counter()
    answers = pronounce(words)
    return len(words) / (time.perf_counter() - start), answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="g2p", help="zoo name or preset folder of our g2p model")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, help="the first COUNT test words only (default: all)")
    parser.add_argument("--batch-size", type=int, default=1024, help="our generate's batch size")
    args = parser.parse_args()

    references = g2p_references("test")
    words = list(references)[: args.count]
    references = [references[word] for word in words]
    g2p = load_g2p_en()
    model = ks.from_preset(args.preset)
    systems = {
        "g2p-en (NumPy GRU, a word at a time)": lambda texts: g2p_en_pronounce(g2p, texts),
        f"keras-seq2seq {args.preset} (batched greedy generate)": lambda texts: model.generate(
            texts, batch_size=args.batch_size
        ),
    }
    for pronounce in systems.values():
        pronounce(words[:8])  # warm up (our decoding function is traced here), outside the clock
    rates, answers = {name: [] for name in systems}, {}
    for _ in range(args.rounds):
        for name, pronounce in systems.items():
            rate, answers[name] = words_per_second(pronounce, words)
            rates[name].append(rate)

    print(f"CMUdict test split: {len(words)} words, {sum(map(len, references))} reference pronunciations; "
          f"{args.rounds} rounds, the systems taking turns; median words per second")
    width = max(map(len, systems))
    print(f"{'system':<{width}} {'words/s':>10} {'WER':>8} {'PER':>8}")
    for name in systems:
        wer, per = pronunciation_error_rates(references, answers[name])
        print(f"{name:<{width}} {statistics.median(rates[name]):>10.0f} {wer:>8.2%} {per:>8.2%}")
    theirs, ours = (statistics.median(rates[name]) for name in systems)
    print(f"speed ratio, ours / g2p-en: {ours / theirs:.1f}x")
    print("note: g2p-en was trained on CMUdict with its own split and may have seen some of these test words "
          "in training; its WER and PER here may be flattering")


if __name__ == "__main__":
    main()
