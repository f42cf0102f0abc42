"""Servers for the serving tests: the `addition` preset exported once, served on loopback ports the system picks.

`embedded` is the in-process stand-in (its threads run in the background);
`real` is `tensorflow_model_server` when it is on PATH, else its tests skip.
Every wait is bounded in time.
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from keras_seq2seq.serving import GrpcClient, ModelConfig, ModelServer, RestClient

MODEL = "addition"
READY_SECONDS = 180  # an upper bound only: a busy 2-core machine took over 60 s to export the zoo and start
METRICS_PATH = "/monitoring/prometheus/metrics"


@dataclass
class Target:
    """Where a running server answers, the process it runs in, and (embedded only) the server object."""

    rest_url: str
    grpc_target: str
    server: object = None
    pid: int = os.getpid()

    def rest(self, model=MODEL, timeout=30):
        return RestClient(self.rest_url, model=model, timeout=timeout)

    def grpc(self, model=MODEL, timeout=30):
        return GrpcClient(self.grpc_target, model=model, timeout=timeout)


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """`models/addition/1` exported once; returns the `models` folder."""
    from keras_seq2seq.export import export

    models = tmp_path_factory.mktemp("models")
    export(MODEL, models / MODEL, version=1)
    return models


def copy_model(exported, folder, versions=(1,)):
    """A new base path holding copies of the exported version, under each of `versions`."""
    base_path = Path(folder) / MODEL
    for version in versions:
        shutil.copytree(exported / MODEL / "1", base_path / str(version))
    return base_path


def start_embedded(base_path, **options):
    options = {"port": 0, "rest_api_port": 0, "host": "127.0.0.1", **options}
    server = ModelServer([ModelConfig(MODEL, base_path)], **options).start()
    target = Target(f"http://127.0.0.1:{server.rest_port}", f"127.0.0.1:{server.grpc_port}", server)
    wait_until(lambda: target.rest().status()["model_version_status"][0]["state"] == "AVAILABLE", "the model is available")
    return target


def wait_until(condition, what, seconds=READY_SECONDS, every=0.1):
    """Polls `condition()` until it is true; fails the test after `seconds`."""
    deadline = time.monotonic() + seconds
    last_error = None
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception as error:  # noqa: BLE001 (not ready yet)
            last_error = error
        time.sleep(every)
    pytest.fail(f"timed out after {seconds} s waiting until {what} (last error: {last_error})")


@pytest.fixture(scope="session")
def embedded(exported, tmp_path_factory):
    """The embedded server on the exported model, with Prometheus metrics, polling every 0.5 s."""
    target = start_embedded(exported / MODEL, monitoring_path=METRICS_PATH, poll_seconds=0.5)
    yield target
    target.server.stop()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def real(exported, tmp_path_factory):
    """`tensorflow_model_server` on the exported model, when it is installed."""
    binary = shutil.which("tensorflow_model_server")
    if binary is None:
        pytest.skip("tensorflow_model_server is not on PATH (it cannot be installed here)")
    grpc_port, rest_port = _free_port(), _free_port()
    monitoring = tmp_path_factory.mktemp("real") / "monitoring.config"
    monitoring.write_text(f'prometheus_config {{ enable: true path: "{METRICS_PATH}" }}\n')
    process = subprocess.Popen(
        [
            binary,
            f"--port={grpc_port}",
            f"--rest_api_port={rest_port}",
            f"--model_name={MODEL}",
            f"--model_base_path={exported / MODEL}",
            f"--monitoring_config_file={monitoring}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    target = Target(f"http://127.0.0.1:{rest_port}", f"127.0.0.1:{grpc_port}", pid=process.pid)
    try:
        wait_until(lambda: process.poll() is None and target.rest().status(), "tensorflow_model_server answers")
        yield target
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


def http(url, body=None, method=None):
    """`(status, body text)` of one HTTP request, errors included."""
    data = body if body is None or isinstance(body, bytes) else body.encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method or ("GET" if data is None else "POST"))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")
