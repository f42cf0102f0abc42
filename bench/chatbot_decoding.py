"""What each decoding gives the chatbot on held-out prompts: greedy, beam, length penalty, sampling, MMI re-ranking.

Seq2seq chatbots drift to dull, safe answers ("i don't know."); issue 13 asks
what the known remedies give. On the first `--prompts` distinct prompts of the
chitchat test split (conversations never trained on), every decoding answers
each prompt once, and the script prints one row per decoding: sacreBLEU and
chrF against the prompt's real answers (`corpus_metrics`, as `evaluate` does),
distinct-1/2, mean answer length in words, the share of the answers taken by
the three most frequent ones, and answers per second. Then the held-out
perplexity, and `--show` prompts with the greedy and re-ranked answers.

MMI re-ranking (Li et al. 2016, "A Diversity-Promoting Objective Function for
Neural Conversation Models", MMI-antiLM): the beam's N best answers T are
re-ranked by `log p(T|S) - lambda * log p(T)`, which demotes answers that
are likely whatever was said. The paper estimates `p(T)` with a separate
language model; we have none, so `p(T)` is estimated from the chatbot itself as
the mean of `p(T|S')` over `--mmi-prompts` training prompts S' drawn with the
seed (a Monte Carlo estimate of `p(T) = sum over S of p(T|S) p(S)`), with no
extra training. Each answer's terms are summed over its tokens (end included).

    python bench/chatbot_decoding.py --preset zoo/chatbot --prompts 1000
"""

import argparse
import collections
import time

import numpy as np

import keras_seq2seq as ks
from keras_seq2seq.corpus_metrics import (
    distinct_n,
    group_references,
    pair_log_likelihoods,
    perplexity,
    sacrebleu_scores,
)
from keras_seq2seq.data import chitchat
from keras_seq2seq.data.corpus_task import fitting_pairs


def main():
    args = parse_args()
    model = ks.from_preset(args.preset)
    lengths = (model.max_source_length, model.max_target_length)
    test = fitting_pairs(model.tokenizer, chitchat.chitchat_pairs("test"), lengths)
    references = group_references(*test)
    prompts = list(references)[: args.prompts]
    rng = np.random.default_rng(args.seed)
    train_prompts = fitting_pairs(model.tokenizer, chitchat.chitchat_pairs("train"), lengths)[0]
    mmi_prompts = [train_prompts[i] for i in rng.choice(len(train_prompts), args.mmi_prompts, replace=False)]

    decodings = {
        "greedy": dict(),
        f"beam {args.beam_width}": dict(beam_width=args.beam_width),
        f"beam {args.beam_width}, length penalty 1.0": dict(beam_width=args.beam_width, length_penalty=1.0),
        "sampling, top-p 0.9": dict(do_sample=True, top_p=0.9, seed=args.seed),
        "sampling, temperature 0.7": dict(do_sample=True, temperature=0.7, seed=args.seed),
    }
    answers = {}
    print(f"{len(prompts)} held-out chitchat prompts (of {len(references)}); preset {args.preset}")
    print("| decoding | sacreBLEU | chrF | distinct-1 | distinct-2 | words per answer | top-3 answers' share | answers/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, options in decodings.items():
        start = time.perf_counter()
        answers[name] = model.generate(prompts, **options)
        report(name, answers[name], prompts, references, time.perf_counter() - start)
    start = time.perf_counter()
    n_best = mmi_scores(model, prompts, mmi_prompts, args.beam_width)  # scored once, re-ranked per lambda
    scoring_seconds = time.perf_counter() - start
    for weight in args.mmi_weights:
        name = f"beam {args.beam_width} n-best, MMI re-ranked (lambda {weight})"
        answers[name] = mmi_rerank(n_best, weight)
        report(name, answers[name], prompts, references, scoring_seconds)
    print(f"(sacreBLEU signature: {report.signature})")
    print(f"held-out perplexity per token (teacher-forced on {len(test[0])} pairs): "
          f"{perplexity(model, *test):.2f}")
    shown = [name for name in answers if name.startswith("greedy") or "MMI" in name][:2]
    print(f"\n| prompt | {' | '.join(shown)} |\n| --- |{' --- |' * len(shown)}")
    for i in range(min(args.show, len(prompts))):
        print(f"| {prompts[i]} | {' | '.join(answers[name][i] for name in shown)} |")


def mmi_scores(model, prompts, mmi_prompts, beam_width):
    """Each prompt's beam n-best as `(answer, log p(T|S), log p(T))` triples (see the module docstring)."""
    # At most max_target_length tokens, so that every answer can be scored as a target.
    n_best = model.generate(prompts, beam_width=beam_width, num_return_sequences=beam_width,
                            max_length=model.max_target_length)
    candidates = [(i, hypothesis.text) for i, hypotheses in enumerate(n_best) for hypothesis in hypotheses
                  if hypothesis.text]
    conditional, _ = pair_log_likelihoods(model, [prompts[i] for i, _ in candidates], [t for _, t in candidates])
    # log mean_k p(T|S'_k), computed stably from the K log-likelihoods of every answer.
    everyone = pair_log_likelihoods(model, [s for _ in candidates for s in mmi_prompts],
                                    [t for _, t in candidates for _ in mmi_prompts])[0]
    everyone = everyone.reshape(len(candidates), len(mmi_prompts))
    top = everyone.max(axis=1)
    marginal = top + np.log(np.exp(everyone - top[:, None]).mean(axis=1))
    scored = [[] for _ in prompts]
    for (i, text), answer_given_prompt, answer_alone in zip(candidates, conditional, marginal):
        scored[i].append((text, answer_given_prompt, answer_alone))
    # A prompt whose beams are all empty keeps its best (empty) answer.
    return [rows or [(hypotheses[0].text, 0.0, 0.0)] for rows, hypotheses in zip(scored, n_best)]


def mmi_rerank(n_best, weight):
    """Each prompt's answer of highest `log p(T|S) - weight * log p(T)` among its scored n-best."""
    return [max(rows, key=lambda row: row[1] - weight * row[2])[0] for rows in n_best]


def report(name, answers, prompts, references, seconds):
    scores = sacrebleu_scores(answers, [references[prompt] for prompt in prompts])
    words = np.mean([len(answer.split()) for answer in answers])
    top3 = sum(count for _, count in collections.Counter(answers).most_common(3)) / len(answers)
    print(f"| {name} | {scores['bleu']:.2f} | {scores['chrf']:.1f} | {distinct_n(answers, 1):.3f} | "
          f"{distinct_n(answers, 2):.3f} | {words:.1f} | {top3:.1%} | {len(answers) / seconds:.0f} |", flush=True)
    report.signature = scores["bleu_signature"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="chatbot", help="zoo name or preset folder")
    parser.add_argument("--prompts", type=int, default=1000, help="held-out prompts to answer")
    parser.add_argument("--beam-width", type=int, default=8)
    parser.add_argument("--mmi-prompts", type=int, default=16, help="training prompts that estimate p(T)")
    parser.add_argument("--mmi-weights", type=float, nargs="+", default=[0.3, 0.5], help="lambda of MMI-antiLM")
    parser.add_argument("--show", type=int, default=20, help="prompts to print with their answers")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


if __name__ == "__main__":
    main()
