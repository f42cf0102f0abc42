"""New versions are picked up while serving; corrupt or half-written versions are skipped, never served."""

import shutil

import grpc
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from keras_seq2seq.export import export
from keras_seq2seq.serving import ModelConfig, ModelServer, ServingConfigError
from keras_seq2seq.serving.config_protos import read_model_config
from keras_seq2seq.serving.model_registry import model_configs

from .conftest import MODEL, Target, copy_model, http, start_embedded, wait_until

POLL_SECONDS = 0.5


def _states(target):
    return {int(entry["version"]): entry for entry in target.rest().status()["model_version_status"]}


@pytest.fixture
def served(exported, tmp_path):
    """A server of its own, polling every 0.5 s, on a base path holding version 1."""
    base_path = copy_model(exported, tmp_path)
    target = start_embedded(base_path, poll_seconds=POLL_SECONDS)
    yield target, base_path
    target.server.stop()


def test_a_new_version_exported_while_serving_is_picked_up(served):
    target, base_path = served
    export(MODEL, base_path, version=2)
    wait_until(lambda: _states(target)[2]["state"] == "AVAILABLE", "version 2 is available")
    wait_until(lambda: _states(target)[1]["state"] == "END", "version 1 is unloaded")
    assert target.rest().predict(["16+75"]) == ["91"]
    assert target.rest().metadata()["model_spec"]["version"] == "2"
    assert target.server.registry.servable(MODEL).version == 2


@pytest.mark.parametrize("damage", ["garbage saved_model.pb", "no variables", "empty folder"])
def test_a_corrupt_version_is_not_loaded_and_the_served_one_goes_on(served, damage, caplog):
    caplog.set_level("ERROR", logger="keras_seq2seq.serving")
    target, base_path = served
    broken = base_path / "3"
    if damage == "garbage saved_model.pb":
        broken.mkdir()
        (broken / "saved_model.pb").write_bytes(b"\x00 this is not a SavedModel \xff" * 10)
    elif damage == "no variables":
        shutil.copytree(base_path / "1", broken, ignore=shutil.ignore_patterns("variables*"))
    else:
        broken.mkdir()
    wait_until(lambda: 3 in _states(target) and _states(target)[3]["state"] == "END", "version 3 failed to load")
    failed = _states(target)[3]["status"]
    assert failed["error_code"] != "OK" and failed["error_message"]
    assert _states(target)[1]["state"] == "AVAILABLE"
    assert any("version 3 of model addition" in record.getMessage() for record in caplog.records)
    for _ in range(3):  # and it stays so over later polls
        assert target.rest().predict(["16+75"]) == ["91"]
        assert target.server.registry.servable(MODEL).version == 1


def test_a_half_written_version_is_loaded_once_complete(served, exported):
    target, base_path = served
    staging = base_path / "4"
    shutil.copytree(exported / MODEL / "1", staging, ignore=shutil.ignore_patterns("variables*"))
    wait_until(lambda: 4 in _states(target) and _states(target)[4]["state"] == "END", "the half-written version 4 failed")
    assert target.server.registry.servable(MODEL).version == 1
    shutil.copytree(exported / MODEL / "1" / "variables", staging / "variables")
    wait_until(lambda: _states(target)[4]["state"] == "AVAILABLE", "the completed version 4 is available")
    assert target.rest().predict(["52+607"]) == ["659"]


def test_version_policies_from_a_model_config_file(exported, tmp_path):
    base_path = copy_model(exported, tmp_path / "models", versions=(1, 2, 3))
    config_file = tmp_path / "models.config"
    config_file.write_text(
        "model_config_list {\n"
        f'  config {{ name: "{MODEL}" base_path: "{base_path}" model_platform: "tensorflow"\n'
        "           model_version_policy { specific { versions: 1 versions: 3 } } }\n"
        f'  config {{ name: "every" base_path: "{base_path}" model_version_policy {{ all {{}} }} }}\n'
        "}\n"
    )
    with ModelServer(model_configs(read_model_config(config_file)), port=0, rest_api_port=None, host="127.0.0.1") as server:
        assert [version for version, state in server.registry.status(MODEL) if state.state == "AVAILABLE"] == [1, 3]
        assert [version for version, state in server.registry.status("every")] == [1, 2, 3]
        assert server.registry.servable(MODEL).version == 3


@pytest.mark.parametrize(
    "text, named",
    [
        ("model_config_list { config { name: 'a' } }", "needs a name and a base_path"),
        ("model_config_list { config { name: 'a' base_path: '/x' model_platform: 'onnx' } }", "model_platform 'onnx'"),
        ("model_config_list { config { name: 'a' base_path: '/x' } config { name: 'a' base_path: '/y' } }", "configured twice"),
        ("model_config_list { nonsense: 1 }", "not a valid ModelServerConfig"),
        ("", "no model_config_list"),
    ],
)
def test_bad_model_config_files_name_the_problem(tmp_path, text, named):
    config_file = tmp_path / "models.config"
    config_file.write_text(text)
    with pytest.raises(ServingConfigError, match=named):
        model_configs(read_model_config(config_file))


def test_a_missing_base_path_stops_the_start(tmp_path):
    with pytest.raises(ServingConfigError, match="Could not find base path"):
        ModelServer([ModelConfig(MODEL, tmp_path / "nowhere")], port=0, rest_api_port=0, host="127.0.0.1").start()


@pytest.mark.parametrize("name", ["²", "99999999999999999999", "-3", "v2", "1.5"])
def test_a_folder_not_named_by_an_int64_is_ignored_with_one_warning(served, exported, name, caplog):
    caplog.set_level("WARNING", logger="keras_seq2seq.serving")
    target, base_path = served
    shutil.copytree(exported / MODEL / "1", base_path / name)  # a good model, under a name TF Serving ignores
    export(MODEL, base_path, version=2)  # and polls go on: a new version still loads
    wait_until(lambda: _states(target)[2]["state"] == "AVAILABLE", "version 2 is available")
    assert set(_states(target)) == {1, 2} and target.rest().predict(["16+75"]) == ["91"]
    with target.grpc() as client:
        assert client.predict(["52+607"]) == ["659"]
    warnings = [record.getMessage() for record in caplog.records if repr(name) in record.getMessage()]
    assert len(warnings) == 1 and "int64" in warnings[0]


def test_the_served_version_goes_on_serving_when_its_folder_disappears(served, exported):
    target, base_path = served
    export(MODEL, base_path, version=2)
    wait_until(lambda: _states(target)[1]["state"] == "END", "version 2 replaced version 1")
    shutil.rmtree(base_path / "2")
    for _ in range(3):  # no roll-back to version 1 over the next polls
        assert target.rest().predict(["16+75"]) == ["91"]
        assert target.server.registry.servable(MODEL).version == 2
        wait_until(lambda: True, "a poll", seconds=POLL_SECONDS)
    assert _states(target)[2]["state"] == "AVAILABLE" and _states(target)[1]["state"] == "END"
    shutil.copytree(exported / MODEL / "1", base_path / "3")
    wait_until(lambda: target.server.registry.servable(MODEL).version == 3, "a newer version replaces it")


def _labelled_config(tmp_path, base_path, labels):
    config_file = tmp_path / "models.config"
    entries = " ".join(f'version_labels {{ key: "{label}" value: {version} }}' for label, version in labels.items())
    config_file.write_text(
        "model_config_list { config {"
        f' name: "{MODEL}" base_path: "{base_path}"'
        " model_version_policy { specific { versions: 1 versions: 2 } } "
        f"{entries} }} }}\n"
    )
    return model_configs(read_model_config(config_file))


def test_version_labels_from_the_config_file(exported, tmp_path):
    base_path = copy_model(exported, tmp_path / "models", versions=(1, 2))
    configs = _labelled_config(tmp_path, base_path, {"stable": 1, "canary": 2})
    with ModelServer(configs, port=0, rest_api_port=0, host="127.0.0.1") as server:
        target = Target(f"http://127.0.0.1:{server.rest_port}", f"127.0.0.1:{server.grpc_port}", server)
        status, text = http(f"{target.rest_url}/v1/models/{MODEL}/labels/stable/metadata")
        assert status == 200 and '"version": "1"' in text
        status, text = http(f"{target.rest_url}/v1/models/{MODEL}/labels/canary:predict", '{"instances": ["16+75"]}')
        assert status == 200 and '"91"' in text
        status, text = http(f"{target.rest_url}/v1/models/{MODEL}/labels/canary")
        assert status == 200 and '"version": "2"' in text
        status, text = http(f"{target.rest_url}/v1/models/{MODEL}/labels/nope:predict", '{"instances": ["16+75"]}')
        assert status == 400 and "Unrecognized servable version label: nope" in text
        request = predict_pb2.PredictRequest()
        request.model_spec.name, request.model_spec.version_label = MODEL, "stable"
        request.inputs["text"].CopyFrom(tf.make_tensor_proto(["16+75"]))
        with grpc.insecure_channel(target.grpc_target) as channel:
            response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=30)
        assert response.model_spec.version.value == 1


def test_a_label_on_a_version_that_is_not_available_stops_the_start(exported, tmp_path):
    base_path = copy_model(exported, tmp_path / "models", versions=(1,))
    configs = _labelled_config(tmp_path, base_path, {"stable": 2})
    with pytest.raises(ServingConfigError, match="label 'stable' names version 2, which is not available"):
        ModelServer(configs, port=0, rest_api_port=None, host="127.0.0.1").start()
    with ModelServer(configs, port=0, rest_api_port=None, host="127.0.0.1", labels_for_unavailable=True) as server:
        assert server.registry.servable(MODEL).version == 1


@pytest.mark.parametrize("damage", ["no versions", "corrupt version"])
def test_a_model_that_cannot_load_stops_the_start_with_the_reason(exported, tmp_path, damage):
    good = copy_model(exported, tmp_path / "good")
    broken = tmp_path / "broken" / "other"
    broken.mkdir(parents=True)
    if damage == "corrupt version":
        (broken / "1").mkdir()
        (broken / "1" / "saved_model.pb").write_bytes(b"not a SavedModel")
    models = [ModelConfig(MODEL, good), ModelConfig("other", broken)]
    reason = "No versions of servable other found" if damage == "no versions" else "model other: "
    with pytest.raises(ServingConfigError, match=reason):
        ModelServer(models, port=0, rest_api_port=0, host="127.0.0.1").start()
