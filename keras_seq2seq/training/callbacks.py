"""Callbacks of a training run: epoch time, learning rate, the history across restarts, the NaN guard, the plot."""

import math
import time

import keras
import numpy as np

from keras_seq2seq.errors import Seq2SeqError


class TrainingDiverged(Seq2SeqError):
    """The training loss became NaN or infinite; training stopped."""


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch's training, validation excluded: in `seconds`, and in the epoch logs."""

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
        if logs is not None and self.seconds:
            logs["seconds"] = self.seconds[-1]

    def _stop(self):
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)
            self._start = None


class LearningRateLogger(keras.callbacks.Callback):
    """Puts `learning_rate`, the optimizer's rate at the end of the epoch, in the epoch logs."""

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class EpochHistory(keras.callbacks.Callback):
    """Every epoch's logs, `{name: [value per epoch]}`, starting from those of earlier runs (`history`)."""

    def __init__(self, history=None):
        super().__init__()
        self.history = {name: list(values) for name, values in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))


class StopOnNaN(keras.callbacks.TerminateOnNaN):
    """Raises `TrainingDiverged` at the first NaN or infinite batch loss.

    Raising (`raise_error=True`) rather than stopping gracefully means no later
    callback runs: the checkpoint saved before the bad batch stays the last one.
    Put it before the checkpoint callback.
    """

    def __init__(self, checkpoint_folder=None):
        super().__init__(raise_error=True)
        self.checkpoint_folder = checkpoint_folder
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            kept = (
                f"the last good checkpoint is kept in {self.checkpoint_folder}"
                if self.checkpoint_folder
                else "no checkpoint was kept (no output folder)"
            )
            raise TrainingDiverged(
                f"the training loss became {float(loss)} in epoch {self._epoch + 1}, batch {batch + 1}; "
                f"training stopped and {kept}; try a lower training.learning_rate or training.global_clipnorm"
            )


class LearningCurves(keras.callbacks.Callback):
    """Redraws the learning curves of `epoch_history` (an `EpochHistory`) as a PNG after every epoch."""

    def __init__(self, epoch_history, path):
        super().__init__()
        self.epoch_history = epoch_history
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        from keras_seq2seq.plots import plot_learning_curves

        plot_learning_curves(self.epoch_history.history, self.path)
