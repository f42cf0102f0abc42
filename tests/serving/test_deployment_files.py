"""serving/: the compose file and the Kubernetes manifests run unchanged against `keras-seq2seq serve`, and agree
with the committed configuration files."""

from pathlib import Path

import pytest
import yaml

from keras_seq2seq.cli import build_parser
from keras_seq2seq.export.models_config import models_config
from keras_seq2seq.models.preset import zoo_names
from keras_seq2seq.cli.serve import server_from_flags
from keras_seq2seq.serving.config_protos import read_model_config

SERVING = Path(__file__).resolve().parents[2] / "serving"


def _deployment():
    documents = list(yaml.safe_load_all((SERVING / "kubernetes.yaml").read_text()))
    return {document["kind"]: document for document in documents}


def _container_args():
    [container] = _deployment()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container, container["args"]


def _compose_args():
    return yaml.safe_load((SERVING / "compose.yaml").read_text())["services"]["tf-serving"]["command"]


@pytest.mark.parametrize("source", ["kubernetes", "compose"])
def test_the_tf_serving_flags_are_accepted_by_serve(source, tmp_path, caplog):
    args = _container_args()[1] if source == "kubernetes" else _compose_args()
    local = [arg.replace("/config/", f"{SERVING}/") for arg in args]  # the files, where this checkout has them
    parsed = build_parser().parse_args(["serve", "--embedded", *local])
    server = server_from_flags(parsed)
    assert [model.name for model in server.models] == sorted(zoo_names())
    assert server.batching is not None and server.monitoring_path == "/monitoring/prometheus/metrics"
    if source == "kubernetes":
        assert server.limits.rest_api_timeout_in_ms == 30000 and server.predict_threads == 16


def test_unknown_tf_serving_flags_are_ignored_with_one_warning_and_passed_to_the_real_server(tmp_path, caplog):
    from keras_seq2seq.cli.serve import real_server_argv

    flags = ["--num_load_threads=4", "--grpc_channel_arguments=a=1", "--enable_grpc_healthcheck_service"]
    args = build_parser().parse_args(["serve", f"--model_base_path={tmp_path}", *flags])
    caplog.set_level("WARNING", logger="keras_seq2seq.serving")
    server_from_flags(args)
    warnings = [record.getMessage() for record in caplog.records if "ignores" in record.getMessage()]
    assert len(warnings) == 1 and all(flag.split("=")[0] in warnings[0] for flag in flags)
    assert real_server_argv(args)[-3:] == [
        "--grpc_channel_arguments=a=1",
        "--num_load_threads=4",
        "--enable_grpc_healthcheck_service=true",
    ]


def test_the_deployment_mounts_what_its_flags_name():
    deployment = _deployment()
    container, args = _container_args()
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    kustomization = yaml.safe_load((SERVING / "kustomization.yaml").read_text())
    [generator] = kustomization["configMapGenerator"]
    volumes = {volume["name"]: volume for volume in deployment["Deployment"]["spec"]["template"]["spec"]["volumes"]}
    assert volumes["config"]["configMap"]["name"] == generator["name"]
    for arg in args:
        if arg.split("=")[0].endswith("_file"):
            path = Path(arg.split("=", 1)[1])
            assert str(path.parent) == mounts["config"] and path.name in generator["files"], arg
    assert all((SERVING / name).is_file() for name in generator["files"])
    assert deployment["Service"]["spec"]["selector"] == deployment["Deployment"]["spec"]["selector"]["matchLabels"]


def test_the_readiness_probe_asks_the_status_of_a_served_model():
    container, _ = _container_args()
    probe = container["readinessProbe"]["httpGet"]
    served = {config.name for config in read_model_config(SERVING / "models.config").model_config_list.config}
    assert probe["port"] == "rest" and probe["path"].startswith("/v1/models/")
    assert probe["path"].removeprefix("/v1/models/") in served


def test_the_committed_models_config_is_what_models_config_writes_for_the_zoo(tmp_path):
    for name in zoo_names():
        (tmp_path / name / "1").mkdir(parents=True)
    assert (SERVING / "models.config").read_text() == models_config(tmp_path, base_path_prefix="/models")
