"""Decoding speed: batched in-graph greedy `generate` against a Python loop of single-step `predict` calls.

Usage: python bench/decoding_speed.py [--preset addition] [--count 5000] [--loop-count 200]

The loop is the common tutorial approach (keras-io `lstm_seq2seq.py`): an
encoder model and a one-step decoder model, called with `predict` for one
question and one token at a time. It is so slow that it runs on the first
`--loop-count` questions only; both rates are sequences per second, measured
in the same process, and the answers of both are checked to agree.
"""

import argparse
import time

import keras
import numpy as np

import keras_seq2seq as ks
from keras_seq2seq.text.char_tokenizer import END_ID, START_ID


def tutorial_models(model):
    """Encoder and one-step decoder as separate Keras models sharing `model`'s layers."""
    source = keras.Input((model.max_source_length,), dtype="int32")
    _, (h, c) = model.encoder(source)
    encoder_model = keras.Model(source, [h, c])
    token = keras.Input((), dtype="int32")
    encoder_state = [keras.Input((model.hidden_dim,)), keras.Input((model.hidden_dim,))]
    state = [keras.Input((model.hidden_dim,)), keras.Input((model.hidden_dim,))]
    # The decoder starts from the encoder state (which also gives the peeky context), then carries (h, c).
    decoding_state = {**model.decoder.start(encoder_state), "h": state[0], "c": state[1]}
    logits, decoding_state = model.decoder.step(token, decoding_state)
    step_model = keras.Model([token, *encoder_state, *state], [logits, decoding_state["h"], decoding_state["c"]])
    return encoder_model, step_model


def loop_generate(model, encoder_model, step_model, texts):
    answers = []
    for text in texts:
        source = model.tokenizer.encode([text], model.max_source_length)
        encoder_h, encoder_c = encoder_model.predict(source, verbose=0)
        h, c = encoder_h, encoder_c
        token, ids = np.array([START_ID], "int32"), []
        for _ in range(model.max_target_length + 1):
            logits, h, c = step_model.predict([token, encoder_h, encoder_c, h, c], verbose=0)
            token = logits.argmax(-1).astype("int32")
            if token[0] == END_ID:
                break
            ids.append(int(token[0]))
        answers.append(model.tokenizer.decode([ids])[0])
    return answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="addition")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--loop-count", type=int, default=200)
    args = parser.parse_args()
    model = ks.from_preset(args.preset)
    questions, _ = ks.data.addition_pairs(args.count, seed=7, split="held_out")

    model.generate(questions[:8])  # trace once, outside the clock
    start = time.perf_counter()
    batched = model.generate(questions)
    batched_rate = len(questions) / (time.perf_counter() - start)

    encoder_model, step_model = tutorial_models(model)
    loop_generate(model, encoder_model, step_model, questions[:2])  # warm up
    start = time.perf_counter()
    looped = loop_generate(model, encoder_model, step_model, questions[: args.loop_count])
    loop_rate = args.loop_count / (time.perf_counter() - start)

    agree = sum(a == b for a, b in zip(looped, batched))
    print(f"batched generate, {len(questions)} questions: {batched_rate:10.0f} sequences/s")
    print(f"predict loop, first {args.loop_count} questions: {loop_rate:10.1f} sequences/s")
    print(f"answers agree on {agree}/{args.loop_count}")
    print(f"speed-up of batched generate over the loop: {batched_rate / loop_rate:.0f}x")


if __name__ == "__main__":
    main()
