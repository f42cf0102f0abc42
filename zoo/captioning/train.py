"""Trains the `captioning` preset (or the same recipe with another decoder) and prints held-out figures.

    python zoo/captioning/train.py --recipe zoo/captioning/recipe.json --output out/captioning
    python zoo/captioning/train.py --recipe zoo/captioning/recipe.json --decoder plain --output out/captioning_plain

Scenes come from `keras_seq2seq.data.caption_scenes` (train split, the recipe's
seed); validation scenes from the held-out split (seed + 1), whose digit images
training never sees. The weights are saved as a preset folder with `recipe.json`
and `history.json` beside them.
"""

import argparse
import json
import sys
from pathlib import Path

import keras

import keras_seq2seq as ks
from keras_seq2seq.data import scenes
from keras_seq2seq.data.captions import captions_dataset
from keras_seq2seq.metrics import corpus_bleu
from keras_seq2seq.models import save_preset
from keras_seq2seq.models.preset import check_new_folder
from keras_seq2seq.text import CharTokenizer
from keras_seq2seq.training import EpochTimer, build_optimizer


def train(recipe, output, verbose="auto"):
    """Trains as the recipe says and saves the preset to `output`; returns `(model, history)`."""
    check_new_folder(output)
    seed, data, training = recipe["seed"], recipe["data"], recipe["training"]
    keras.utils.set_random_seed(seed)
    train_images, train_captions = scenes.caption_scenes(data["train_size"], seed, "train")
    validation = scenes.caption_scenes(data["validation_size"], seed + 1, "held_out")
    tokenizer = CharTokenizer(scenes.VOCABULARY)
    model = ks.ImageCaptioner(
        tokenizer=tokenizer,
        image_size=scenes.IMAGE_SIZE,
        channels=scenes.CHANNELS,
        max_target_length=scenes.MAX_CAPTION_LENGTH,
        name=recipe["name"],
        **recipe["model"],
    )
    steps_per_epoch = len(train_captions) // training["batch_size"]
    model.compile(optimizer=build_optimizer(training, steps_per_epoch), jit_compile=training["jit_compile"])

    def dataset(images, captions, shuffle):
        return captions_dataset(
            tokenizer, images, captions, model.max_target_length,
            batch_size=training["batch_size"], shuffle=shuffle, seed=seed,
        )

    timer = EpochTimer()
    history = model.fit(
        dataset(train_images, train_captions, shuffle=True),
        validation_data=dataset(*validation, shuffle=False),
        epochs=training["epochs"],
        shuffle=False,  # the dataset shuffles itself, with the recipe's seed
        verbose=verbose,
        callbacks=[timer],
    )
    history = {name: [float(value) for value in values] for name, values in history.history.items()}
    history["seconds"] = timer.seconds
    answers = model.generate(validation[0])
    history["held_out_exact_match"] = sum(a == t for a, t in zip(answers, validation[1])) / len(answers)
    history["held_out_bleu4"] = corpus_bleu(validation[1], answers)
    save_preset(
        model,
        output,
        extra_files={
            "recipe.json": json.dumps(recipe, indent=2) + "\n",
            "history.json": json.dumps(history, indent=2) + "\n",
        },
    )
    return model, history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(Path(__file__).with_name("recipe.json")))
    parser.add_argument("--decoder", choices=sorted(ks.models.image_captioner.DECODERS), help="override the recipe's")
    parser.add_argument("--epochs", type=int, help="override the recipe's")
    parser.add_argument("--output", required=True, help="new folder for the preset")
    args = parser.parse_args(argv)
    recipe = json.loads(Path(args.recipe).read_text())
    if args.decoder:
        recipe["model"]["decoder"] = args.decoder
    if args.epochs:
        recipe["training"]["epochs"] = args.epochs
    _, history = train(recipe, args.output, verbose=2)
    print(
        f"saved {args.output}: {recipe['model']['decoder']} decoder, validation (held-out digits) "
        f"exact match {history['held_out_exact_match']:.2%}, BLEU-4 {history['held_out_bleu4']:.4f}, "
        f"after {len(history['seconds'])} epochs, {sum(history['seconds']):.1f} s of training"
    )


if __name__ == "__main__":
    sys.exit(main())
