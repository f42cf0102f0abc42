"""Training from recipes: `train` fits a model with `model.fit` on one device, the local devices or a
cluster (`tf.distribute`), checkpoints it so that an interrupted run resumes exactly, logs to
TensorBoard, and saves the preset. See docs/distributed.md.

Example:
>>> from keras_seq2seq.training import STRATEGIES, train
>>> STRATEGIES
('default', 'mirrored', 'multi_worker')
"""

from keras_seq2seq.training.callbacks import EpochTimer, TrainingDiverged
from keras_seq2seq.training.data import load_data
from keras_seq2seq.training.replicas import GlobalClipAdam, GlobalMaskedLoss
from keras_seq2seq.training.strategy import STRATEGIES, ClusterError
from keras_seq2seq.training.trainer import build_model, build_optimizer, train

__all__ = [
    "STRATEGIES",
    "ClusterError",
    "EpochTimer",
    "GlobalClipAdam",
    "GlobalMaskedLoss",
    "TrainingDiverged",
    "build_model",
    "build_optimizer",
    "load_data",
    "train",
]
