"""Corpus scores of generated text: sacreBLEU and chrF, distinct-1/2, per-token perplexity.

sacreBLEU and chrF come from the `sacrebleu` package, on detokenized text (its
own `13a` tokenization), lowercase: our word-piece models write lowercase, so
case would only measure the reference's capitals. Each score comes with
sacreBLEU's signature string, which says exactly how it was computed
(`nrefs:1|case:lc|eff:no|tok:13a|smooth:exp|version:2.6.0`), so that figures
from different runs and papers can be compared. A hypothesis may have several
references (a prompt with several answers in the data).

distinct-n (Li et al. 2016) is the share of distinct n-grams among all the
n-grams of the generated texts (13a tokens, lowercase): a chatbot that answers
"i don't know." to everything scores near 0.

Perplexity is exp of the model's masked cross-entropy per real target token
(the end token included), teacher-forced on the pairs: how surprised the model
is by the reference, whatever it would have generated.
"""

import math

import numpy as np
import sacrebleu
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a


def sacrebleu_scores(hypotheses, references):
    """`{"bleu", "bleu_signature", "chrf", "chrf_signature"}` of `hypotheses` (0-100 scores).

    `references[i]` is the reference string of `hypotheses[i]`, or a list of them.

    Example:
    >>> scores = sacrebleu_scores(["the cat sat on the mat ."], ["The cat sat on the mat."])
    >>> round(scores["bleu"], 6), scores["chrf"], scores["bleu_signature"].startswith("nrefs:1|case:lc|eff:no|tok:13a")
    (100.0, 100.0, True)
    >>> round(sacrebleu_scores(["hello there", "fine"], [["hi there", "hello there"], "good"])["bleu"], 1)
    0.0
    """
    hypotheses = list(hypotheses)
    references = [[reference] if isinstance(reference, str) else list(reference) for reference in references]
    if len(references) != len(hypotheses) or not hypotheses:
        raise ValueError(f"sacrebleu_scores got {len(hypotheses)} hypotheses and {len(references)} references")
    # sacreBLEU takes one stream per reference position; None where a hypothesis has fewer references.
    streams = [[refs[i] if i < len(refs) else None for refs in references]
               for i in range(max(map(len, references)))]
    bleu, chrf = sacrebleu.BLEU(lowercase=True), sacrebleu.CHRF(lowercase=True)
    bleu_score, chrf_score = bleu.corpus_score(hypotheses, streams), chrf.corpus_score(hypotheses, streams)
    return {"bleu": bleu_score.score, "bleu_signature": str(bleu.get_signature()),
            "chrf": chrf_score.score, "chrf_signature": str(chrf.get_signature())}


def group_references(sources, targets):
    """`{source: [its targets]}`, sources in first-seen order: each distinct source is answered once.

    Example:
    >>> group_references(["hi", "yo", "hi"], ["hello", "hey", "hi there"])
    {'hi': ['hello', 'hi there'], 'yo': ['hey']}
    """
    references = {}
    for source, target in zip(sources, targets):
        references.setdefault(source, []).append(target)
    return references


def distinct_n(texts, n):
    """The share (0..1) of distinct `n`-grams among all the `n`-grams of `texts`; 0.0 if there are none.

    Example:
    >>> distinct_n(["i don't know.", "i don't know."], 1)  # 5 tokens twice: i do n't know .
    0.5
    >>> distinct_n(["Yes I do", "yes i do not"], 2), distinct_n(["ok"], 2)  # yes i, i do, do not of 5
    (0.6, 0.0)
    """
    tokenize = Tokenizer13a()
    total, distinct = 0, set()
    for text in texts:
        tokens = tokenize(text.lower()).split()
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        total += len(grams)
        distinct.update(grams)
    return len(distinct) / total if total else 0.0


def perplexity(model, sources, targets, batch_size=256):
    """exp of `model`'s mean cross-entropy per real target token on the pairs, teacher-forced.

    The pairs must fit the model (`corpus_task.fitting_pairs` keeps those that do).
    """
    log_likelihoods, tokens = pair_log_likelihoods(model, sources, targets, batch_size)
    # Summed over every token, then divided once: `model.evaluate` would average per-batch
    # means weighted by pairs, which weighs a token of a short batch more.
    return math.exp(-log_likelihoods.sum() / tokens.sum())


def pair_log_likelihoods(model, sources, targets, batch_size=256):
    """`(log p(target | source), target tokens)` per pair: two NumPy arrays, teacher-forced.

    The end id counts as a token of the target. The pairs must fit the model
    (`corpus_task.fitting_pairs` keeps those that do). Perplexity sums them; the
    chatbot's MMI re-ranking (`bench/chatbot_decoding.py`) scores answers with them.
    """
    import keras
    import tensorflow as tf

    from keras_seq2seq.data import pairs_dataset

    # Unbucketed, so that the batches keep the pairs' order.
    dataset = pairs_dataset(model.tokenizer, sources, targets, model.max_source_length, model.max_target_length,
                            batch_size=batch_size, shuffle=False, drop_remainder=False, bucketing=False,
                            target_tokenizer=model.target_tokenizer)

    # One graph for a whole batch (run eagerly, the unrolled model is many times slower), and
    # one more for the last, shorter batch.
    @tf.function(reduce_retracing=True)
    def summed_log_likelihoods(x, y):
        cross_entropy = keras.losses.sparse_categorical_crossentropy(y, model(x, training=False), from_logits=True)
        real = tf.not_equal(y, 0)
        summed = tf.reduce_sum(tf.where(real, -tf.cast(cross_entropy, tf.float64), 0.0), axis=1)
        return summed, tf.reduce_sum(tf.cast(real, tf.int64), axis=1)

    results = [summed_log_likelihoods(x, y) for x, y in dataset]
    if not results:
        return np.zeros(0), np.zeros(0, np.int64)
    return tuple(np.concatenate([result[i].numpy() for result in results]) for i in range(2))
