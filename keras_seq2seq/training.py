"""Train a model from a recipe and save it as a preset."""

import json
import time

import keras

from keras_seq2seq.data import addition, addition_pairs, date_pairs, dates, load_pairs, pairs_dataset
from keras_seq2seq.errors import RecipeError
from keras_seq2seq.layers.attention_decoder import SCORES
from keras_seq2seq.models import AttentionSeq2Seq, PeekySeq2Seq, Seq2Seq, save_preset
from keras_seq2seq.models.preset import check_new_folder
from keras_seq2seq.text import CharTokenizer

MODEL_CLASSES = {"Seq2Seq": Seq2Seq, "PeekySeq2Seq": PeekySeq2Seq, "AttentionSeq2Seq": AttentionSeq2Seq}
# Recipe model keys that only some classes take; unset (None) keys are not passed on.
CLASS_ONLY_OPTIONS = {"score": AttentionSeq2Seq, "peeky": AttentionSeq2Seq}


def load_data(data, seed):
    """`(train_pairs, validation_pairs, vocabulary, lengths)` for the recipe's `data` section."""
    if data["task"] == "addition":
        train = addition_pairs(data["train_size"], seed, "train", balance_digits=data["balance_digits"])
        validation = addition_pairs(data["validation_size"], seed=seed + 1, split="held_out")
        lengths = (addition.MAX_SOURCE_LENGTH, addition.MAX_TARGET_LENGTH)
        return train, validation, addition.VOCABULARY, lengths
    if data["task"] == "date":
        if data["balance_digits"]:
            raise RecipeError("balance_digits applies only to the addition task")
        train = date_pairs(data["train_size"], seed, "train")
        validation = date_pairs(data["validation_size"], seed=seed + 1, split="held_out")
        lengths = (dates.MAX_SOURCE_LENGTH, dates.MAX_TARGET_LENGTH)
        return train, validation, dates.VOCABULARY, lengths
    if data["task"] is not None:
        raise RecipeError(f"unknown task {data['task']!r} (known: addition, date)")
    if data["train_tsv"] is None or data["validation_tsv"] is None:
        raise RecipeError("data needs either a task or both train_tsv and validation_tsv")
    train, validation = load_pairs(data["train_tsv"]), load_pairs(data["validation_tsv"])
    sources, targets = train[0] + validation[0], train[1] + validation[1]
    vocabulary = sorted({char for text in sources + targets for char in text})
    lengths = (max(map(len, sources)), max(map(len, targets)))
    return train, validation, vocabulary, lengths


def build_model(recipe, vocabulary, lengths, steps_per_epoch):
    """The compiled model a recipe describes."""
    options = dict(recipe["model"])
    class_name = options.pop("class_name")
    if class_name not in MODEL_CLASSES:
        raise RecipeError(f"unknown model class {class_name!r} (known: {', '.join(MODEL_CLASSES)})")
    for key, owner in CLASS_ONLY_OPTIONS.items():
        if options.get(key, None) is None:
            options.pop(key, None)
        elif not issubclass(MODEL_CLASSES[class_name], owner):
            raise RecipeError(f"model.{key} is for {owner.__name__} only, not {class_name}")
    if options.get("score", "dot") not in SCORES:
        raise RecipeError(f"model.score must be one of {', '.join(SCORES)}, got {options['score']!r}")
    options["max_source_length"] = options["max_source_length"] or lengths[0]
    options["max_target_length"] = options["max_target_length"] or lengths[1]
    model = MODEL_CLASSES[class_name](tokenizer=CharTokenizer(vocabulary), name=recipe["name"], **options)
    model.compile(
        optimizer=build_optimizer(recipe["training"], steps_per_epoch),
        jit_compile=recipe["training"]["jit_compile"],
    )
    return model


def build_optimizer(training, steps_per_epoch):
    """Adam with global-norm clipping; a cosine decay when `final_learning_rate` is set."""
    learning_rate = training["learning_rate"]
    if training["final_learning_rate"] is not None:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            learning_rate,
            decay_steps=training["epochs"] * steps_per_epoch,
            alpha=training["final_learning_rate"] / learning_rate,
        )
    return keras.optimizers.Adam(learning_rate, global_clipnorm=training["global_clipnorm"])


def train(recipe, output=None, verbose="auto", callbacks=()):
    """Trains as the recipe says; saves the preset to `output` if given. Returns `(model, history)`.

    `history` maps each metric (`exact_match`, `val_exact_match`, ...) to its value
    per epoch, plus `seconds` per epoch.
    """
    if output is not None:
        check_new_folder(output)
    keras.utils.set_random_seed(recipe["seed"])
    (train_sources, train_targets), validation, vocabulary, lengths = load_data(recipe["data"], recipe["seed"])
    batch_size = recipe["training"]["batch_size"]
    if len(train_sources) < batch_size:
        raise RecipeError(
            f"{len(train_sources)} training pairs are fewer than one batch of {batch_size}: "
            "lower training.batch_size or give more pairs"
        )
    model = build_model(recipe, vocabulary, lengths, steps_per_epoch=len(train_sources) // batch_size)

    def dataset(sources, targets, shuffle):
        return pairs_dataset(
            model.tokenizer, sources, targets, model.max_source_length, model.max_target_length,
            batch_size=batch_size, shuffle=shuffle, seed=recipe["seed"], drop_remainder=shuffle,
        )

    timer = EpochTimer()
    history = model.fit(
        dataset(train_sources, train_targets, shuffle=True),
        validation_data=dataset(*validation, shuffle=False),
        epochs=recipe["training"]["epochs"],
        shuffle=False,  # the dataset shuffles itself, with the recipe's seed
        verbose=verbose,
        callbacks=[timer, *callbacks],
    )
    history = {name: [float(value) for value in values] for name, values in history.history.items()}
    history["seconds"] = timer.seconds
    if output is not None:
        save_preset(
            model,
            output,
            extra_files={
                "recipe.json": json.dumps(recipe, indent=2) + "\n",
                "history.json": json.dumps(history, indent=2) + "\n",
            },
        )
    return model, history


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch's training, validation excluded."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._stop()  # validation runs at the end of each epoch

    def on_epoch_end(self, epoch, logs=None):
        self._stop()

    def _stop(self):
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)
            self._start = None
