"""Scores of a model on pairs, one way for `keras-seq2seq evaluate`, the examples and the benchmarks.

`evaluate_pairs` answers every distinct source once (`generate`, with any
decoding options) and scores the answers by what the model writes:

- **words** (a `WordPieceTokenizer` target: chatbot, translation): exact match and
  BLEU-4 of the answers as the tokenizer normalises them, sacreBLEU and chrF of the
  detokenized answers (`corpus_metrics`), teacher-forced perplexity, distinct-1/2.
  Pairs whose source is longer than the model reads are left out, and counted.
- **symbols** (a `SymbolTokenizer` target: g2p's phones): exact match, word and phone
  error rates (`metrics.pronunciation_error_rates`).
- **characters**: exact match, every pair counted (the answers as `generate` gives
  them, before any output check, so an impossible date is a miss, not an error).

A source with several lines is one question with several right answers (a word
with two pronunciations, a prompt with two replies): it is answered once and right
when its answer is any of them. `scores["answers"]` maps each source to its
answer; `report` turns the scores into the lines `evaluate` prints.

Example:
>>> import keras_seq2seq as ks
>>> scores = evaluate_pairs(ks.from_preset("addition"), ["16+75", "52+607"], ["91", "600"])
>>> scores["exact_match"], scores["right"], scores["sources"]
(0.5, 1, 2)
>>> report(scores, "sums.tsv")
['exact match: 50.00% (1/2) on sums.tsv']
"""

from keras_seq2seq.corpus_metrics import distinct_n, group_references, perplexity, sacrebleu_scores
from keras_seq2seq.data.corpus_task import fitting_pairs
from keras_seq2seq.metrics import corpus_bleu, pronunciation_error_rates
from keras_seq2seq.text import SymbolTokenizer, WordPieceTokenizer


def evaluate_pairs(model, sources, targets, batch_size=256, progress=False, **decoding):
    """The scores (a dict) of `model`'s answers to `sources` against `targets`; see the module docstring."""
    if isinstance(model.target_tokenizer, WordPieceTokenizer):
        return _word_scores(model, sources, targets, batch_size, progress, decoding)
    output_check, model.output_check = model.output_check, None  # score every answer, as the docstring says
    try:
        answers = model.generate(sources, batch_size=batch_size, progress=progress, **decoding)
    finally:
        model.output_check = output_check
    if isinstance(model.target_tokenizer, SymbolTokenizer):
        return _symbol_scores(model.target_tokenizer, sources, targets, answers)
    right = sum(answer == target for answer, target in zip(answers, targets))
    return {"kind": "characters", "sources": len(targets), "right": right, "exact_match": right / len(targets),
            "answers": dict(zip(sources, answers))}


def report(scores, data):
    """The lines `keras-seq2seq evaluate` prints for `scores` of the pairs in `data` (a name)."""
    exact = f"exact match: {scores['exact_match']:.2%} ({scores['right']}/{scores['sources']})"
    if scores["kind"] == "characters":
        return [f"{exact} on {data}"]
    if scores["kind"] == "symbols":
        return [f"{exact}, WER: {scores['wer']:.2%}, PER: {scores['per']:.2%} on {data} "
                f"({scores['sources']} distinct words, {scores['pairs']} reference pronunciations)"]
    lines = []
    if scores["left_out"]:
        lines.append(f"left out {scores['left_out']} of {scores['pairs']} pairs of {data}: their source has "
                     f"more than the {scores['max_source_length']} tokens the model reads")
    if not scores["sources"]:
        return lines
    readable = scores["pairs"] - scores["left_out"]
    lines += [
        f"{exact}, BLEU-4: {scores['bleu4']:.4f} on {data} "
        f"({scores['sources']} distinct sources, {readable} reference answers)",
        f"sacreBLEU: {scores['sacrebleu']:.2f} ({scores['sacrebleu_signature']}), "
        f"chrF: {scores['chrf']:.2f} ({scores['chrf_signature']})",
    ]
    if scores["perplexity"] is not None:
        lines.append(f"perplexity: {scores['perplexity']:.2f} per token, teacher-forced on "
                     f"{scores['perplexity_pairs']} of {readable} pairs "
                     f"(references of at most {scores['max_target_length']} tokens)")
    lines.append(f"distinct-1: {scores['distinct_1']:.4f}, distinct-2: {scores['distinct_2']:.4f} "
                 f"of the {scores['sources']} answers")
    return lines


def _word_scores(model, sources, targets, batch_size, progress, decoding):
    readable = fitting_pairs(model.tokenizer, (sources, targets), (model.max_source_length, float("inf")),
                             target_tokenizer=model.target_tokenizer)
    scores = {"kind": "words", "pairs": len(sources), "left_out": len(sources) - len(readable[0]),
              "max_source_length": model.max_source_length, "max_target_length": model.max_target_length,
              "sources": 0}
    if not readable[0]:
        return scores
    references = group_references(*readable)
    answers = model.generate(list(references), batch_size=batch_size, progress=progress, **decoding)
    tokenizer = model.target_tokenizer
    normalized = [tokenizer.normalize(refs) for refs in references.values()]
    normalized_answers = tokenizer.normalize(answers)
    right = sum(answer in refs for answer, refs in zip(normalized_answers, normalized))
    sacre = sacrebleu_scores(answers, list(references.values()))
    # Teacher forcing needs references the model can write: the longer ones are left out of perplexity.
    scored = fitting_pairs(model.tokenizer, readable, (model.max_source_length, model.max_target_length),
                           target_tokenizer=tokenizer)
    return {
        **scores,
        "sources": len(references),
        "right": right,
        "exact_match": right / len(references),
        "bleu4": corpus_bleu(normalized, normalized_answers),
        "sacrebleu": sacre["bleu"],
        "sacrebleu_signature": sacre["bleu_signature"],
        "chrf": sacre["chrf"],
        "chrf_signature": sacre["chrf_signature"],
        "perplexity": perplexity(model, *scored, batch_size=batch_size) if scored[0] else None,
        "perplexity_pairs": len(scored[0]),
        "distinct_1": distinct_n(answers, 1),
        "distinct_2": distinct_n(answers, 2),
        "answers": dict(zip(references, answers)),
    }


def _symbol_scores(tokenizer, sources, targets, answers):
    references = group_references(sources, tokenizer.normalize(targets))
    answer_of = dict(zip(sources, tokenizer.normalize(answers)))
    wer, per = pronunciation_error_rates(list(references.values()), [answer_of[source] for source in references])
    words = len(references)
    right = words - round(wer * words)
    return {"kind": "symbols", "pairs": len(targets), "sources": words, "right": right, "exact_match": right / words,
            "wer": wer, "per": per, "answers": answer_of}
