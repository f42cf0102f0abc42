"""The output folder of a training run, and checkpoints that resume it exactly, even mid-epoch.

Layout of `--output OUT`:

    OUT/training/recipe.json        the recipe being trained (another recipe is refused)
    OUT/training/vocabulary.json    the vocabulary of its first run (a word-piece vocabulary is not learnt again)
    OUT/training/progress.json      where the last checkpoint is: epoch, step, weights file, history
    OUT/training/state-*.weights.h5 the model's and the optimizer's variables at that point
    OUT/logs/                       TensorBoard logs (unless --log-dir says elsewhere)
    OUT/learning_curves.png         redrawn after every epoch
    OUT/config.json, ...            the preset, once training has finished; `training/` is then removed

Why not plain `keras.callbacks.BackupAndRestore` (Keras 3.15)? With
`save_freq=<int>` it restores the weights and the optimizer's variables
(`save_weights` writes both, `iterations` included), but only the number of
finished epochs: the interrupted epoch starts again from its first batch, so
the batches trained before the interruption are trained twice. It writes the
weights and then `training_metadata.json` in place, so a kill between the two
pairs new weights with an old epoch; and it does not save at the end of an
epoch when `save_freq` is a number. `TrainingCheckpoint` builds on it: it saves
a new weights file, then points `progress.json` at it with an atomic rename; it
records the step inside the epoch, which `train` skips (the data order being a
function of the seed and the epoch, see `data.py`); and it saves after every
epoch's validation too.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np

from keras_seq2seq.errors import RecipeError
from keras_seq2seq.models.preset import CONFIG_FILE, check_new_folder, save_preset
from keras_seq2seq.recipe import complete_recipe

TRAINING_FOLDER = "training"
PROGRESS_FILE = "progress.json"
RECIPE_FILE = "recipe.json"
VOCABULARY_FILE = "vocabulary.json"


class OutputFolder:
    """`OUT`: a new folder, or one holding an unfinished training of the same recipe.

    Recipes are compared as `load_recipe` completes them (every default filled in).

    Example:
    >>> import tempfile
    >>> recipe = complete_recipe({"name": "tiny", "data": {"task": "addition"}}, where="recipe")
    >>> folder = OutputFolder(tempfile.mkdtemp() + "/out")
    >>> folder.check(recipe)
    >>> folder.start(recipe, vocabulary=list("0123456789+"))
    >>> folder.check({**recipe, "name": "other"})
    Traceback (most recent call last):
    ...
    keras_seq2seq.errors.RecipeError: ... holds an unfinished training of another recipe (name: 'tiny' there, 'other' here); ...
    """

    def __init__(self, path):
        self.path = Path(path)
        self.training = self.path / TRAINING_FOLDER
        self.logs = self.path / "logs"
        self.learning_curves = self.path / "learning_curves.png"

    def check(self, recipe):
        """`PresetError` if the folder is taken, `RecipeError` if it trains another recipe. Writes nothing."""
        if (self.path / CONFIG_FILE).exists() or not self.training.is_dir():
            check_new_folder(self.path)  # a finished preset, or anything else that is not ours
            return
        stored = self._stored_recipe()
        if stored is not None and stored != recipe:
            raise RecipeError(
                f"{self.path} holds an unfinished training of another recipe ({_first_difference(stored, recipe)}); "
                "give the same recipe to resume it, or a new --output folder"
            )

    def start(self, recipe, vocabulary):
        """Creates `training/` with the recipe and the vocabulary in it, unless they are there already."""
        self.training.mkdir(parents=True, exist_ok=True)
        if self._stored_recipe() is None:
            _write_atomically(self.training / RECIPE_FILE, json.dumps(recipe, indent=2) + "\n")
        if self.stored_vocabulary() is None:
            _write_atomically(self.training / VOCABULARY_FILE, json.dumps(list(vocabulary), ensure_ascii=False) + "\n")

    def stored_vocabulary(self):
        """The vocabulary an unfinished run started with, or None (a new run, or one started before it was kept).

        A word-piece vocabulary takes minutes to learn from a large corpus (TF Text's
        learner is pure Python); a resumed run reads it here instead.
        """
        path = self.training / VOCABULARY_FILE
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RecipeError(f"{path} is corrupt: {error}") from None

    def publish(self, model, extra_files):
        """Moves the finished preset into the folder, `config.json` last, then removes `training/`.

        `save_preset` writes the preset whole into a hidden staging folder first;
        a preset is complete once `config.json` is in place (loading says
        "config.json is missing" before that), so a kill at any moment leaves
        either the unfinished training, which the next run resumes, or the preset.
        """
        staging = self.path / ".preset"
        shutil.rmtree(staging, ignore_errors=True)
        save_preset(model, staging, extra_files)
        for name in sorted(os.listdir(staging), key=lambda name: name == CONFIG_FILE):
            os.replace(staging / name, self.path / name)
        staging.rmdir()
        shutil.rmtree(self.training)

    def _stored_recipe(self):
        # Keys added to the schema since the run started take their defaults,
        # which keep the old behaviour, so that a newer library resumes it.
        path = self.training / RECIPE_FILE
        try:
            return complete_recipe(json.loads(path.read_text(encoding="utf-8")), where=str(path))
        except FileNotFoundError:
            return None  # killed before the recipe was written: nothing was trained yet
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RecipeError(f"{path} is corrupt: {error}") from None


class TrainingCheckpoint(keras.callbacks.BackupAndRestore):
    """Saves the training state every `every_steps` batches and after every epoch; restores it once.

    `position` is `(epoch, step)` of the saved state in `folder`: `epoch`
    finished epochs, then `step` batches of the next one; `history` the epochs'
    logs until then. New states go to `write_folder` (default `folder`): the
    workers of a cluster other than the chief restore the chief's states and
    save theirs to a scratch folder, since saving reads variables with
    collective ops that every worker must join. States whose weights are not
    all finite are never saved.
    """

    def __init__(self, folder, steps_per_epoch, every_steps=None, write_folder=None):
        super().__init__(str(folder), save_freq=every_steps or "epoch", delete_checkpoint=False)
        self.folder = Path(folder)
        self.write_folder = Path(write_folder or folder)
        self.steps_per_epoch = steps_per_epoch
        self.epoch_history = None  # an `EpochHistory` whose `history` is saved with the weights
        progress = self._read_progress()
        self.position = (progress["epoch"], progress["step"]) if progress else (0, 0)
        self.history = progress["history"] if progress else {}
        self._step_offset = self.position[1]  # batches of the resumed epoch trained before this run
        self._epoch = self.position[0]
        self._saved_weights = progress["weights"] if progress else None

    def restore(self):
        """Loads the saved model and optimizer variables, the first time only."""
        if self._saved_weights is None:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)  # its variables must exist to be loaded
        self.model.load_weights(self.folder / self._saved_weights)
        self._saved_weights = None

    def on_train_begin(self, logs=None):
        self.restore()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = self._step_offset + batch + 1
        # The epoch's last batch is saved with the epoch, after validation.
        if self.save_freq != "epoch" and step % self.save_freq == 0 and step < self.steps_per_epoch:
            self._save(self._epoch, step)

    def on_epoch_end(self, epoch, logs=None):
        self._step_offset = 0
        self._save(epoch + 1, 0)

    def on_train_end(self, logs=None):
        pass  # `OutputFolder.publish` removes the checkpoints once the preset is in place

    def _save(self, epoch, step):
        weights = self.model.get_weights()
        if not all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating)):
            return
        self.write_folder.mkdir(parents=True, exist_ok=True)
        name = f"state-{epoch:04d}-{step:06d}.weights.h5"
        self.model.save_weights(self.write_folder / name, overwrite=True)
        history = self.epoch_history.history if self.epoch_history is not None else {}
        progress = {"epoch": epoch, "step": step, "weights": name, "history": history}
        _write_atomically(self.write_folder / PROGRESS_FILE, json.dumps(progress, allow_nan=True) + "\n")
        for old in self.write_folder.glob("state-*.weights.h5"):
            if old.name != name:
                old.unlink()

    def _read_progress(self):
        try:
            return json.loads((self.folder / PROGRESS_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None


def _write_atomically(path, text):
    """Writes `path` so that readers see the old file or the new one, never a part."""
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _first_difference(stored, given, where=""):
    """`"training.epochs: 2 there, 3 here"` for the first key whose value differs."""
    if isinstance(stored, dict) and isinstance(given, dict):
        for key in sorted(set(stored) | set(given)):
            if stored.get(key) != given.get(key):
                return _first_difference(stored.get(key), given.get(key), f"{where}{key}.")
    return f"{where.rstrip('.')}: {stored!r} there, {given!r} here"
