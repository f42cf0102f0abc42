"""The baseline a user would pick instead of our attention RNN: a small keras-hub Transformer, same data and budget.

The model is the keras-io "English-to-Spanish translation with KerasHub"
example's, sized for a 2-core CPU: `TokenAndPositionEmbedding` on each side, one
`TransformerEncoder` and one `TransformerDecoder` layer (`--layers` each), a
dropout and a dense layer onto the vocabulary. It trains on the translation
task's training pairs with the same word-piece tokenizer (the vocabulary of
`--preset`, or one learnt from the training pairs as the recipe does), the same
masked loss and padding, for `--minutes` of wall-clock training; then it
translates the test split greedily and prints sacreBLEU, chrF (`corpus_metrics`,
as `keras-seq2seq evaluate` computes them), training time, parameters and
translations per second. With `--preset`, the RNN preset is scored on the same
test sentences in the same way, so one command prints both rows:

    python bench/transformer_baseline.py --minutes 60 --preset out/translation

A run of a minute or two (`--minutes 1 --train-size 2000 --test-size 100`) checks the
whole path; its scores mean nothing.
"""

import argparse
import json
import math
import time
import warnings

import keras
import keras_hub
import numpy as np
import tensorflow as tf

import keras_seq2seq as ks
from keras_seq2seq.corpus_metrics import group_references, sacrebleu_scores
from keras_seq2seq.data import ding
from keras_seq2seq.data.corpus_task import fitting_pairs
from keras_seq2seq.metrics import masked_loss
from keras_seq2seq.models.preset import resolve_preset
from keras_seq2seq.text import WordPieceTokenizer
from keras_seq2seq.text.special_tokens import END_ID, START_ID


# keras-hub's layers handle the padding mask themselves; Keras warns about the sublayers they call.
warnings.filterwarnings("ignore", message=".*does not support masking.*")


def main():
    args = parse_args()
    keras.utils.set_random_seed(args.seed)
    lengths = (ding.MAX_SOURCE_LENGTH, ding.MAX_TARGET_LENGTH)
    train = [texts[: args.train_size] for texts in ding.translation_pairs("train", phrases=args.phrases)]
    rnn = ks.from_preset(args.preset) if args.preset else None
    if rnn:  # its training seconds read now: a mistake here must not cost the Transformer's training
        rnn_seconds = sum(json.loads((resolve_preset(args.preset) / "history.json").read_text())["seconds"])
    if rnn:  # the very tokenizer and lengths the RNN was trained with
        tokenizer, lengths = rnn.tokenizer, (rnn.max_source_length, rnn.max_target_length)
    else:  # as the recipe's task learns it
        tokenizer = WordPieceTokenizer.from_texts(train[0] + train[1], vocabulary_size=args.vocabulary_size)
    train = fitting_pairs(tokenizer, train, lengths)
    test = [texts[: args.test_size] for texts in ding.translation_pairs("test")]
    test = fitting_pairs(tokenizer, test, (lengths[0], math.inf))  # as `evaluate` leaves out what it cannot read

    model = transformer(tokenizer.vocabulary_size, lengths, args)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate, global_clipnorm=5.0), loss=masked_loss(),
                  jit_compile=False)
    seconds = train_for(model, tokenizer, train, lengths, args)
    print(f"{len(train[0])} training pairs, {len(test[0])} test pairs, vocabulary {tokenizer.vocabulary_size}")
    print("| model | sacreBLEU | chrF | training time | parameters | translations per second |")
    print("| --- | --- | --- | --- | --- | --- |", flush=True)
    row = score("Transformer (keras-hub)", lambda texts: greedy_translations(model, tokenizer, texts, lengths, args),
                test, seconds, model.count_params())
    print_row(row)
    if rnn:
        print_row(score("attention RNN (ours)", lambda texts: rnn.generate(texts, batch_size=args.batch_size),
                        test, rnn_seconds, rnn.count_params()))
    print(f"sacreBLEU {row['bleu_signature']}; chrF {row['chrf_signature']}")


def print_row(row):
    print(f"| {row['name']} | {row['bleu']:.2f} | {row['chrf']:.2f} | {row['seconds'] / 60:.1f} min | "
          f"{row['parameters']:,} | {row['per_second']:.1f} |", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, required=True, help="wall-clock training budget")
    parser.add_argument("--preset", help="the RNN translation preset: its tokenizer is used, and it is scored too")
    parser.add_argument("--train-size", type=int, help="use the first N training pairs (default all)")
    parser.add_argument("--test-size", type=int, help="score the first N test pairs (default all)")
    parser.add_argument("--phrases", action="store_true", help="train on the phrase pairs too, as the recipe's phrases")
    parser.add_argument("--vocabulary-size", type=int, default=ding.VOCABULARY_SIZE, help="without --preset")
    parser.add_argument("--embedding-dim", type=int, default=128)
    parser.add_argument("--intermediate-dim", type=int, default=512)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=1, help="encoder layers and decoder layers, each")
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def transformer(vocabulary_size, lengths, args):
    """The encoder-decoder Transformer of the keras-io example: ids in, logits over the vocabulary out."""
    source = keras.Input((None,), dtype="int32", name="source_ids")
    target = keras.Input((None,), dtype="int32", name="decoder_ids")
    encoded = keras_hub.layers.TokenAndPositionEmbedding(
        vocabulary_size, lengths[0], args.embedding_dim, mask_zero=True)(source)
    for _ in range(args.layers):
        encoded = keras_hub.layers.TransformerEncoder(args.intermediate_dim, args.heads, dropout=args.dropout)(encoded)
    decoded = keras_hub.layers.TokenAndPositionEmbedding(
        vocabulary_size, lengths[1] + 1, args.embedding_dim, mask_zero=True)(target)
    for _ in range(args.layers):
        decoded = keras_hub.layers.TransformerDecoder(args.intermediate_dim, args.heads, dropout=args.dropout)(
            decoder_sequence=decoded, encoder_sequence=encoded)
    decoded = keras.layers.Dropout(args.dropout)(decoded)
    return keras.Model({"source_ids": source, "decoder_ids": target}, keras.layers.Dense(vocabulary_size)(decoded))


class WallClockBudget(keras.callbacks.Callback):
    """Stops training after `seconds` of it (checked after every batch)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds, self.started = seconds, None

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.model.stop_training = time.perf_counter() - self.started >= self.seconds


def train_for(model, tokenizer, pairs, lengths, args):
    """Trains on `pairs`, reshuffled every epoch, until `--minutes` have passed; returns the seconds spent."""
    dataset = ks.data.pairs_dataset(tokenizer, *pairs, *lengths, batch_size=args.batch_size, seed=args.seed)
    started = time.perf_counter()
    model.fit(dataset, epochs=10**6, verbose=2, shuffle=False, callbacks=[WallClockBudget(60 * args.minutes)])
    return time.perf_counter() - started


def greedy_translations(model, tokenizer, texts, lengths, args):
    """Greedy decoding, a batch at a time: the decoder reruns on its own output so far (no cache, as the example)."""
    step = tf.function(lambda x: tf.argmax(model(x, training=False), axis=-1, output_type=tf.int32))
    answers = []
    for begin in range(0, len(texts), args.batch_size):
        source = tokenizer.encode(texts[begin : begin + args.batch_size], lengths[0])
        ids = np.zeros((len(source), lengths[1] + 1), np.int32)
        ids[:, 0] = START_ID
        for position in range(lengths[1]):
            ids[:, position + 1] = step({"source_ids": source, "decoder_ids": ids}).numpy()[:, position]
            if (ids[:, 1 : position + 2] == END_ID).any(axis=1).all():
                break
        answers.extend(tokenizer.decode(ids[:, 1:]))
    return answers


def score(name, translate, test, training_seconds, parameters):
    """sacreBLEU and chrF of `translate` on the test pairs (one translation per distinct source), and its speed."""
    references = group_references(*test)
    sources = list(references)
    translate(sources[:64])  # traces the decoding functions: not counted
    started = time.perf_counter()
    answers = translate(sources)
    per_second = len(answers) / (time.perf_counter() - started)
    return {"name": name, **sacrebleu_scores(answers, list(references.values())), "seconds": training_seconds,
            "parameters": parameters, "per_second": per_second}


if __name__ == "__main__":
    main()
