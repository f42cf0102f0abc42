"""models.config for TF Serving from a folder of exported models."""

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from keras_seq2seq.cli import main
from keras_seq2seq.errors import InputError
from keras_seq2seq.export.models_config import models_config


def _parse(text):
    return text_format.Parse(text, model_server_config_pb2.ModelServerConfig())


def test_lists_every_model_with_a_version_folder(tmp_path):
    (tmp_path / "addition" / "1").mkdir(parents=True)
    (tmp_path / "date" / "3").mkdir(parents=True)
    (tmp_path / "not_a_model").mkdir()
    (tmp_path / "half" / ".staging-1-x").mkdir(parents=True)
    config = _parse(models_config(tmp_path, base_path_prefix="/models"))
    entries = [(c.name, c.base_path, c.model_platform) for c in config.model_config_list.config]
    assert entries == [("addition", "/models/addition", "tensorflow"), ("date", "/models/date", "tensorflow")]


def test_default_base_paths_are_absolute(tmp_path):
    (tmp_path / "addition" / "1").mkdir(parents=True)
    config = _parse(models_config(tmp_path))
    assert config.model_config_list.config[0].base_path == str((tmp_path / "addition").resolve())


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no exported model"):
        models_config(tmp_path)


def test_the_command_writes_the_file(tmp_path, capsys):
    (tmp_path / "models" / "addition" / "2").mkdir(parents=True)
    output = tmp_path / "models.config"
    assert main(["models-config", "--models", str(tmp_path / "models"), "--base-path-prefix", "/models",
                 "--output", str(output)]) == 0
    assert _parse(output.read_text()).model_config_list.config[0].name == "addition"
    assert main(["models-config", "--models", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err
