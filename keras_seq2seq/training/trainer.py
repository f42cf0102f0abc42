"""Train a model from a recipe, on one device or several, resumably, and save it as a preset."""

import contextlib
import json
import shutil
import tempfile
from pathlib import Path

import keras

from keras_seq2seq.errors import InputError, RecipeError
from keras_seq2seq.layers.attention_decoder import SCORES
from keras_seq2seq.layers.decoders import DECODERS
from keras_seq2seq.layers.image_encoder import POOLINGS
from keras_seq2seq.models import AttentionSeq2Seq, ImageCaptioner, PeekySeq2Seq, Seq2Seq, save_preset
from keras_seq2seq.recipe import check_task_fits_model
from keras_seq2seq.training.callbacks import EpochHistory, EpochTimer, LearningCurves, LearningRateLogger, StopOnNaN
from keras_seq2seq.training.checkpoint import OutputFolder, TrainingCheckpoint
from keras_seq2seq.training.data import (
    batches_per_epoch,
    load_data,
    make_tokenizers,
    training_batches,
    validation_batches,
)
from keras_seq2seq.training.replicas import GlobalClipAdam, GlobalMaskedLoss
from keras_seq2seq.training.strategy import fit_scope, make_strategy, writes_files

MODEL_CLASSES = {
    "Seq2Seq": Seq2Seq, "PeekySeq2Seq": PeekySeq2Seq, "AttentionSeq2Seq": AttentionSeq2Seq,
    "ImageCaptioner": ImageCaptioner,
}
# Recipe model keys that only some classes take; unset (None) keys are not passed on.
CLASS_ONLY_OPTIONS = {"score": AttentionSeq2Seq, "peeky": AttentionSeq2Seq}
# Batches between mid-epoch checkpoints; there is one after every epoch too.
DEFAULT_CHECKPOINT_STEPS = 100


def train(recipe, output=None, verbose="auto", callbacks=(), strategy=None, log_dir=None,
          checkpoint_steps=DEFAULT_CHECKPOINT_STEPS):
    """Trains as the recipe says; saves the preset to `output` if given. Returns `(model, history)`.

    `history` maps each metric (`exact_match`, `val_exact_match`, ...) to its value
    per epoch, plus `seconds` per epoch and the `learning_rate` at its end.

    With `output`, the run checkpoints there every `checkpoint_steps` batches and
    after every epoch, and the same call with the same recipe after an
    interruption resumes where the last checkpoint left off and ends with the
    same model; TensorBoard logs go to `log_dir` (default `output/logs`) and the
    learning curves to `output/learning_curves.png`. `strategy` is a name in
    `STRATEGIES` ("default", "mirrored", "multi_worker" with `TF_CONFIG`), a
    `tf.distribute.Strategy`, or `None` for the one in scope; the recipe's
    `batch_size` is the global batch, split among the replicas.

    Example:
    >>> recipe = {"name": "tiny", "seed": 1,
    ...           "data": {"task": "addition", "train_size": 64, "validation_size": 16, "balance_digits": 0.0},
    ...           "model": {"class_name": "Seq2Seq", "embedding_dim": 4, "hidden_dim": 8, "num_encoder_layers": 1,
    ...                     "reverse_source": False, "max_source_length": None, "max_target_length": None,
    ...                     "bidirectional_encoder": False, "num_decoder_layers": 1, "dropout": 0.0,
    ...                     "score": None, "peeky": None},
    ...           "training": {"epochs": 1, "batch_size": 32, "learning_rate": 0.01, "final_learning_rate": None,
    ...                        "global_clipnorm": 5.0, "jit_compile": False, "mixed_precision": None}}
    >>> model, history = train(recipe, verbose=0)
    >>> sorted(history)[:3], len(history["loss"])
    (['exact_match', 'learning_rate', 'loss'], 1)
    """
    if checkpoint_steps < 0:
        raise InputError(f"checkpoint_steps must be 0 (epoch ends only) or more, got {checkpoint_steps}")
    folder = OutputFolder(output) if output is not None else None
    if folder is not None:
        folder.check(recipe)  # before anything is trained or written
    strategy = make_strategy(strategy)  # checks TF_CONFIG; MultiWorkerMirroredStrategy must come before any op
    check_task_fits_model(recipe)
    keras.utils.set_random_seed(recipe["seed"])
    stored_vocabulary = folder.stored_vocabulary() if folder is not None else None
    train_pairs, validation, vocabulary, lengths = load_data(recipe["data"], recipe["seed"], stored_vocabulary)
    batch_size, epochs, seed = recipe["training"]["batch_size"], recipe["training"]["epochs"], recipe["seed"]
    if len(train_pairs[0]) < batch_size:
        raise RecipeError(
            f"{len(train_pairs[0])} training pairs are fewer than one batch of {batch_size}: "
            "lower training.batch_size or give more pairs"
        )
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise RecipeError(f"training.batch_size {batch_size} does not split evenly among {replicas} replicas")
    steps_per_epoch = batches_per_epoch(make_tokenizers(recipe["data"], vocabulary), train_pairs, batch_size)
    if not steps_per_epoch:
        raise RecipeError(
            f"no length bucket of the {len(train_pairs[0])} training pairs fills a batch of {batch_size}: "
            "lower training.batch_size or give more pairs"
        )
    writer = writes_files(strategy)
    if folder is not None and writer:
        folder.start(recipe, vocabulary)
    with dtype_policy(recipe["training"]["mixed_precision"]), strategy.scope():
        model = build_model(recipe, vocabulary, lengths, steps_per_epoch)

    # Workers other than the chief write to a scratch folder: saving reads variables with collective ops.
    scratch = None if writer else Path(tempfile.mkdtemp(prefix="keras-seq2seq-worker-"))
    history = EpochHistory()
    run_callbacks = [EpochTimer(), LearningRateLogger(), StopOnNaN(folder and folder.training), history]
    checkpoint = None
    if folder is not None:
        checkpoint = TrainingCheckpoint(
            folder.training, steps_per_epoch, checkpoint_steps, write_folder=scratch and scratch / "training"
        )
        history.history, checkpoint.epoch_history = checkpoint.history, history
        run_callbacks.append(checkpoint)
    log_dir = log_dir or (folder and folder.logs)
    if log_dir:
        run_callbacks.append(keras.callbacks.TensorBoard(str(scratch / "logs" if scratch else log_dir)))
    if writer and folder is not None:
        run_callbacks.append(LearningCurves(history, folder.learning_curves))
    run_callbacks.extend(callbacks)

    validation_data = validation_batches(model, validation, batch_size)

    def fit(first_epoch, end_epoch, skip_batches=0):
        model.fit(
            training_batches(model, train_pairs, batch_size, seed, range(first_epoch, end_epoch), skip_batches),
            validation_data=validation_data,
            initial_epoch=first_epoch,
            epochs=end_epoch,
            steps_per_epoch=steps_per_epoch - skip_batches,
            shuffle=False,  # the batches come in the order `training_batches` drew from the seed
            verbose=verbose,
            callbacks=run_callbacks,
        )

    epoch, step = checkpoint.position if checkpoint else (0, 0)
    with fit_scope(model, strategy, next(iter(validation_data))):
        if step:  # the interrupted epoch's remaining batches, as an epoch of their own
            fit(epoch, epoch + 1, skip_batches=step)
            epoch += 1
        if epoch < epochs:
            fit(epoch, epochs)
        elif checkpoint is not None:  # interrupted after the last checkpoint, before the preset was in place
            checkpoint.set_model(model)
            checkpoint.restore()
    extra_files = {
        "recipe.json": json.dumps(recipe, indent=2) + "\n",
        "history.json": json.dumps(history.history, indent=2) + "\n",
    }
    if folder is not None and writer:
        folder.publish(model, extra_files)
    elif folder is not None:
        save_preset(model, scratch / "preset", extra_files)
    if scratch is not None:
        shutil.rmtree(scratch)
    return model, history.history


def build_model(recipe, vocabulary, lengths, steps_per_epoch):
    """The compiled model a recipe describes (call it in the strategy's scope to distribute it).

    `lengths` are `load_data`'s: an `ImageCaptioner` takes its image size and channels from them.
    """
    options = dict(recipe["model"])
    class_name = options.pop("class_name")
    if class_name not in MODEL_CLASSES:
        raise RecipeError(f"unknown model class {class_name!r} (known: {', '.join(MODEL_CLASSES)})")
    if MODEL_CLASSES[class_name] is ImageCaptioner:
        model = build_image_captioner(recipe, options, vocabulary, lengths)
    else:
        model = build_text_model(recipe, class_name, options, vocabulary, lengths)
    model.compile(
        optimizer=build_optimizer(recipe["training"], steps_per_epoch),
        loss=GlobalMaskedLoss(),
        jit_compile=recipe["training"]["jit_compile"],
    )
    return model


def build_text_model(recipe, class_name, options, vocabulary, lengths):
    """The text model of `class_name` with the recipe's `options` (its `model` section but `class_name`)."""
    for key, owner in CLASS_ONLY_OPTIONS.items():
        if options.get(key, None) is None:
            options.pop(key, None)
        elif not issubclass(MODEL_CLASSES[class_name], owner):
            raise RecipeError(f"model.{key} is for {owner.__name__} only, not {class_name}")
    if options.get("score", "dot") not in SCORES:
        raise RecipeError(f"model.score must be one of {', '.join(SCORES)}, got {options['score']!r}")
    options["max_source_length"] = options["max_source_length"] or lengths[0]
    options["max_target_length"] = options["max_target_length"] or lengths[1]
    tokenizer, target_tokenizer = make_tokenizers(recipe["data"], vocabulary)
    return MODEL_CLASSES[class_name](
        tokenizer=tokenizer, target_tokenizer=target_tokenizer, name=recipe["name"], **options
    )


def build_image_captioner(recipe, options, vocabulary, lengths):
    """An `ImageCaptioner` with the recipe's `options` (its `model` section but `class_name`), for images of
    the shape `lengths[0]`."""
    for key, choices in (("decoder", DECODERS), ("score", SCORES), ("pooling", POOLINGS)):
        if options[key] not in choices:
            raise RecipeError(f"model.{key} must be one of {', '.join(choices)}, got {options[key]!r}")
    (*image_size, channels), max_caption_length = lengths
    options["max_target_length"] = options["max_target_length"] or max_caption_length
    tokenizer, _ = make_tokenizers(recipe["data"], vocabulary)
    try:
        return ImageCaptioner(
            tokenizer=tokenizer, image_size=image_size, channels=channels, name=recipe["name"], **options
        )
    except InputError as error:  # a backbone Keras cannot build, a missing weights file, a decoder it has not
        raise RecipeError(f"model: {error}") from None


def build_optimizer(training, steps_per_epoch):
    """Adam with global-norm clipping; a cosine decay when `final_learning_rate` is set."""
    learning_rate = training["learning_rate"]
    if training["final_learning_rate"] is not None:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            learning_rate,
            decay_steps=training["epochs"] * steps_per_epoch,
            alpha=training["final_learning_rate"] / learning_rate,
        )
    return GlobalClipAdam(learning_rate, global_clipnorm=training["global_clipnorm"])


@contextlib.contextmanager
def dtype_policy(name):
    """Layers made inside compute under the Keras dtype policy `name` (None: the current one).

    Under `"mixed_float16"` or `"mixed_bfloat16"` the variables stay float32 and
    the decoder's output layer computes in float32, so logits, softmax and loss
    are float32; `compile` adds loss scaling for float16. Restores the previous
    policy on the way out.
    """
    previous = keras.config.dtype_policy()
    if name is not None:
        keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
