"""`generate`'s decoding options through a real model: n-best, length penalty, max_length, sampling, errors."""

import numpy as np
import pytest
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.chat import chat
from keras_seq2seq.errors import InputError
from keras_seq2seq.models.encoder_decoder import Hypothesis
from keras_seq2seq.text.special_tokens import END_ID, START_ID


@pytest.fixture(scope="module")
def addition():
    return ks.from_preset("addition")


@pytest.fixture(scope="module")
def questions():
    return ks.data.addition_pairs(60, seed=12, split="held_out")[0]


def _teacher_forced_log_probs(model, sources, answers):
    """The model's summed log-probability of each answer: its characters, then the end id unless it was cut."""
    width = model.max_target_length + 1  # the default max_length
    targets = np.zeros((len(answers), width), "int32")
    for row, ids in enumerate(model.tokenizer.encode(answers, width)):
        ids = [i for i in ids if i != 0]
        ids += [END_ID] if len(ids) < width else []
        targets[row, : len(ids)] = ids
    decoder_ids = np.concatenate([np.full((len(answers), 1), START_ID, "int32"), targets[:, :-1]], axis=1)
    decoder_ids[decoder_ids == END_ID] = 0
    source_ids = model.tokenizer.encode(sources, model.max_source_length)
    logits = model({"source_ids": source_ids, "decoder_ids": decoder_ids}).numpy().astype("float64")
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    chosen = np.take_along_axis(log_probs, targets[:, :, None], axis=-1)[:, :, 0]
    return (chosen * (targets != 0)).sum(-1)


def _penalty(texts, alpha):
    return ((5.0 + np.array([len(text) + 1 for text in texts])) / 6.0) ** alpha


def test_n_best_answers_are_ranked_hypotheses_with_the_models_scores(addition, questions):
    n_best = addition.generate(questions, beam_width=4, num_return_sequences=3, length_penalty=1.0)
    assert len(n_best) == len(questions)
    assert all(len(hypotheses) == 3 and isinstance(hypotheses[0], Hypothesis) for hypotheses in n_best)
    best = addition.generate(questions, beam_width=4, length_penalty=1.0)
    assert [hypotheses[0].text for hypotheses in n_best] == best
    for question, hypotheses in zip(questions, n_best):
        texts, scores, ranks = (np.array(column) for column in zip(*hypotheses))
        assert len(set(texts)) == 3
        assert (np.diff(ranks) <= 0).all()
        np.testing.assert_allclose(ranks, scores / _penalty(texts, 1.0), rtol=1e-5)
        np.testing.assert_allclose(scores, _teacher_forced_log_probs(addition, [question] * 3, texts), atol=2e-3)


def test_num_return_sequences_one_gives_hypotheses_and_leaving_it_out_strings(addition, questions):
    (best,) = addition.generate(questions[:1], beam_width=3, num_return_sequences=1)[0]
    assert best.text == addition.generate(questions[:1], beam_width=3)[0]
    assert best.score == best.ranking_score  # no length penalty
    greedy = addition.generate(questions[:5], num_return_sequences=1)
    assert [hypotheses[0].text for hypotheses in greedy] == addition.generate(questions[:5])


def test_max_length_counts_the_generated_tokens_with_the_end(addition, questions):
    full = addition.generate(questions)
    for max_length in (1, 2, 3):
        cut = addition.generate(questions, max_length=max_length)
        assert all(len(answer) <= max_length for answer in cut)
        # An answer that ends within max_length tokens is the same; a longer one is its beginning.
        for whole, part in zip(full, cut):
            assert part == (whole if len(whole) < max_length else whole[:max_length])
    assert addition.generate(questions, max_length=addition.max_target_length + 6) == full
    beams = addition.generate(questions, beam_width=3, num_return_sequences=2, max_length=2)
    assert all(len(hypothesis.text) <= 2 for hypotheses in beams for hypothesis in hypotheses)


def test_sampling_is_reproducible_from_a_seed(addition, questions):
    options = dict(do_sample=True, temperature=2.0, top_p=0.95)
    first = addition.generate(questions, seed=3, batch_size=16, **options)
    assert addition.generate(questions, seed=3, batch_size=16, **options) == first
    assert addition.generate(questions, seed=4, batch_size=16, **options) != first
    assert addition.generate(questions, **options) != addition.generate(questions, **options)  # random seeds
    # Batches of one call are drawn with different seeds: the same question twice in two batches differs.
    assert len(set(addition.generate([questions[0]] * 40, seed=3, batch_size=1, **options))) > 1


def test_sampling_with_top_k_one_is_greedy_and_n_samples_are_ranked(addition, questions):
    greedy = addition.generate(questions)
    assert addition.generate(questions, do_sample=True, top_k=1, temperature=5.0, seed=0) == greedy
    samples = addition.generate(questions[:10], do_sample=True, temperature=3.0, seed=1, num_return_sequences=5)
    for question, hypotheses in zip(questions[:10], samples):
        texts, scores, ranks = (np.array(column) for column in zip(*hypotheses))
        assert (np.diff(ranks) <= 0).all()
        np.testing.assert_allclose(scores, _teacher_forced_log_probs(addition, [question] * 5, texts), atol=2e-3)
    assert len({hypothesis.text for hypotheses in samples for hypothesis in hypotheses}) > 10


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(beam=3), "unknown decoding option 'beam'"),
        (dict(top_k=3), "apply only when sampling"),
        (dict(seed=1), "seed applies only when sampling"),
        (dict(beam_width=2, num_return_sequences=3), r"num_return_sequences \(3\) must be at most beam_width \(2\)"),
        (dict(do_sample=True, temperature=0), "temperature must be a number above 0"),
        (dict(do_sample=True, top_p=1.5), "top_p must be above 0 and at most 1"),
        (dict(do_sample=True, beam_width=2), "beam_width must be 1"),
        (dict(do_sample=True, seed=-1), "seed must be an integer"),
        (dict(max_length=0), "max_length must be at least 1"),
        (dict(length_penalty="high"), "length_penalty must be a number"),
    ],
)
def test_bad_options_are_input_errors_naming_the_option(addition, options, message):
    with pytest.raises(InputError, match=message):
        addition.generate(["1+1"], **options)


def test_the_decoding_function_is_traced_once_per_options_not_per_seed(addition, questions):
    for seed in range(3):
        addition.generate(questions[:4], do_sample=True, seed=seed, top_k=4)
    traced = [f for key, f in addition._decode_functions.by_search.items() if key[0].top_k == 4]
    assert len(traced) == 1 and traced[0].experimental_get_tracing_count() == 1


def test_chat_takes_decoding_options_and_checks_them_before_the_first_message(addition):
    import io

    out = io.StringIO()
    assert chat(addition, ["16+75", "52+607"], out, out, do_sample=True, seed=2, temperature=3.0) == 2
    expected = [addition.generate([q], do_sample=True, seed=2, temperature=3.0)[0] for q in ("16+75", "52+607")]
    assert out.getvalue().splitlines() == expected
    with pytest.raises(InputError, match="top_k"):
        chat(addition, iter(()), out, out, top_k=3)


def test_image_captioner_takes_the_same_options(make_model):
    from keras_seq2seq.text import CharTokenizer

    model = ks.ImageCaptioner(tokenizer=CharTokenizer(list("ab ")), hidden_dim=8, filters=(4,), max_target_length=4)
    images = np.random.default_rng(0).integers(0, 255, size=(3, 32, 32), dtype=np.uint8)
    n_best = model.generate(images, beam_width=3, num_return_sequences=2)
    assert [len(hypotheses) for hypotheses in n_best] == [2, 2, 2]
    assert [hypotheses[0].text for hypotheses in n_best] == model.generate(images, beam_width=3)
    sampled = model.generate(images, do_sample=True, seed=5, temperature=2.0, max_length=3)
    assert model.generate(images, do_sample=True, seed=5, temperature=2.0, max_length=3) == sampled
    assert all(len(caption) <= 3 for caption in sampled)
    ids, scores, ranks = model.decode_ids(tf.constant(model.preprocessor.prepare(images)), beam_width=3, num_return_sequences=2)
    assert ids.shape == (3, 2, 5) and scores.shape == ranks.shape == (3, 2)
