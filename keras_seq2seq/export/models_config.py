"""TF Serving's `--model_config_file`: a `model_config_list` built from a folder of exported models."""

from pathlib import Path, PurePosixPath

from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from keras_seq2seq.errors import InputError


def models_config(models_dir, base_path_prefix=None):
    """Text proto listing every model under `models_dir` (a folder holding integer version folders).

    `base_path_prefix` replaces `models_dir` in the base paths, e.g. `/models`
    when the folder is mounted there in the `tensorflow/serving` container.

    Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()); (root / "addition" / "1").mkdir(parents=True)
    >>> print(models_config(root, base_path_prefix="/models"), end="")
    model_config_list {
      config {
        name: "addition"
        base_path: "/models/addition"
        model_platform: "tensorflow"
      }
    }
    """
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        raise InputError(f"{models_dir} is not a folder of exported models")
    names = sorted(
        path.name for path in models_dir.iterdir()
        if path.is_dir() and any(child.is_dir() and child.name.isdigit() for child in path.iterdir())
    )
    if not names:
        raise InputError(f"{models_dir} holds no exported model (no NAME/<version>/ folders)")
    config = model_server_config_pb2.ModelServerConfig()
    for name in names:
        entry = config.model_config_list.config.add()
        entry.name = name
        entry.base_path = (
            str(PurePosixPath(base_path_prefix) / name) if base_path_prefix else str((models_dir / name).resolve())
        )
        entry.model_platform = "tensorflow"
    return text_format.MessageToString(config)
