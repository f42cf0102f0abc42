"""`keras-seq2seq query` and `keras-seq2seq serve`, in-process and as real subprocesses."""

import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from keras_seq2seq.cli import build_parser
from keras_seq2seq.cli.serve import real_server_argv, server_from_flags

from conftest import run_cli as _run  # the root conftest's (tests/ is on sys.path)

from .conftest import MODEL, READY_SECONDS


@pytest.fixture(params=["rest", "grpc"])
def where(request, embedded):
    return ["--rest", embedded.rest_url] if request.param == "rest" else ["--grpc", embedded.grpc_target]


def test_query_prints_one_answer_per_text(where):
    code, out, err = _run(["query", "--model", MODEL, *where, "16+75", "52+607"])
    assert (code, out, err) == (0, "91\n659\n", "")


def test_query_reads_standard_input_and_prints_scores(where):
    code, out, _ = _run(["query", "--model", MODEL, *where, "--version", "1", "--scores"], stdin="16+75\n999+999\n")
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert [answer for answer, _ in lines] == ["91", "1998"] and all(float(score) <= 0 for _, score in lines)


def test_query_errors_are_one_line(where):
    code, out, err = _run(["query", "--model", MODEL, *where, ""])
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("keras-seq2seq query: error: ") and "is empty" in err
    code, _, err = _run(["query", "--model", "nope", *where, "1+1"])
    assert code == 2 and len(err.splitlines()) == 1 and "Servable not found" in err


def test_query_without_a_server_is_a_one_line_error():
    with socket_closed() as port:
        code, _, err = _run(["query", "--model", MODEL, "--rest", f"http://127.0.0.1:{port}", "--timeout", "5", "1+1"])
    assert code == 2 and len(err.splitlines()) == 1 and "cannot reach the model server" in err


@contextlib.contextmanager
def socket_closed():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def test_serve_takes_tf_serving_flags(tmp_path):
    args = build_parser().parse_args(
        [
            "serve",
            "--port=9000",
            "--rest_api_port=9001",
            f"--model_base_path={tmp_path}",
            "--model_name=addition",
            "--enable_batching",
            "--file_system_poll_wait_seconds=2",
        ]
    )
    assert (args.port, args.rest_api_port, args.enable_batching, args.model_name) == (9000, 9001, True, "addition")
    assert real_server_argv(args) == [
        "tensorflow_model_server",
        "--port=9000",
        "--rest_api_port=9001",
        "--model_name=addition",
        f"--model_base_path={tmp_path.resolve()}",
        "--enable_batching=true",
        "--file_system_poll_wait_seconds=2",
    ]
    assert build_parser().parse_args(["serve", "--enable_batching=false"]).enable_batching is False
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"  # the embedded server: this machine only
    server = server_from_flags(build_parser().parse_args(["serve", f"--model_base_path={tmp_path}", "--rest_api_port=0"]))
    assert server.rest_api_port is None and server.models[0].name == "default"


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--model_base_path", "{tmp}/nowhere"], "Could not find base path"),
        (["--model_config_file", "{tmp}/missing.config"], "--model_config_file: cannot read"),
        (["--model_base_path", "{tmp}", "--monitoring_config_file", "{tmp}/bad.config"], "not a valid MonitoringConfig"),
        (["--model_base_path", "{tmp}", "--enable_batching", "--batching_parameters_file", "{tmp}/bad.config"], "not a valid BatchingParameters"),
    ],
)
def test_serve_flag_errors_are_one_line(tmp_path, flags, named):
    (tmp_path / "bad.config").write_text("this is { not a text proto")
    argv = ["serve", "--embedded", "--port", "0", "--rest_api_port", "0", "--host", "127.0.0.1"]
    code, _, err = _run(argv + [flag.format(tmp=tmp_path) for flag in flags])
    error_lines = [line for line in err.splitlines() if line.startswith("keras-seq2seq serve: error: ")]
    assert code == 2 and len(error_lines) == 1 and named in error_lines[0], err


def _read_lines(stream, lines):
    for line in stream:
        lines.put(line)


def test_serve_as_a_process_exports_the_zoo_once_serves_it_and_stops_on_sigterm(exported, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(exported / MODEL, models / MODEL)  # already exported: serve must not export it again
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_seq2seq.cli", "serve", "--embedded", "--port=0", "--rest_api_port=0",
         "--host=127.0.0.1", f"--models_dir={models}", "--file_system_poll_wait_seconds=0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    lines = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True).start()
    seen, port, deadline = [], None, time.monotonic() + READY_SECONDS
    try:
        while port is None and time.monotonic() < deadline and process.poll() is None:
            try:
                seen.append(lines.get(timeout=0.5))
            except queue.Empty:
                continue
            match = re.search(r"Running gRPC ModelServer at 127\.0\.0\.1:(\d+)", seen[-1])
            port = match and int(match[1])
        assert port, "the server did not start:\n" + "".join(seen)
        assert any(f"{MODEL}: already exported in {models / MODEL}" in line for line in seen), "".join(seen)
        assert (models / "models.config").is_file() and sorted(os.listdir(models / MODEL)) == ["1"]
        code, out, err = _run(["query", "--model", MODEL, "--grpc", f"127.0.0.1:{port}", "16+75"])
        assert (code, out) == (0, "91\n"), err
        process.send_signal(signal.SIGTERM)
        assert process.wait(READY_SECONDS) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(READY_SECONDS)


def test_serve_runs_tensorflow_model_server_when_it_is_on_path(tmp_path):
    fake = tmp_path / "bin" / "tensorflow_model_server"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "argv.txt"}\n')
    fake.chmod(0o755)
    environment = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [sys.executable, "-m", "keras_seq2seq.cli", "serve", f"--model_base_path={tmp_path}", "--model_name=addition",
         "--port=8600", "--enable_batching"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=READY_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "argv.txt").read_text().split() == [
        "--port=8600",
        "--rest_api_port=8501",
        "--model_name=addition",
        f"--model_base_path={Path(tmp_path).resolve()}",
        "--enable_batching=true",
        "--file_system_poll_wait_seconds=1",
    ]
