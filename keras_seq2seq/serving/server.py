"""The embedded stand-in for `tensorflow_model_server` (`keras-seq2seq serve` runs it: `cli/serve.py`).

`ModelServer` loads SavedModels with `tf.saved_model.load` and answers TF
Serving's gRPC API (grpcio) and REST API (aiohttp) with TF Serving's messages
and status codes, picks up new versions while serving, batches concurrent
requests when asked, and exposes Prometheus metrics. Every request is bounded
(`RequestLimits`: sizes, element counts, deadlines, idle connections). It is
for development and tests on machines without TF Serving: `serve` runs the real
`tensorflow_model_server` whenever it is on PATH (unless `--embedded`).

Example (ports 0: the system picks free ones):
>>> import tempfile
>>> from keras_seq2seq.export import export
>>> from keras_seq2seq.serving import ModelServer, ModelConfig, RestClient
>>> base = export("addition", tempfile.mkdtemp() + "/addition").parent
>>> with ModelServer([ModelConfig("addition", base)], port=0, rest_api_port=0, host="127.0.0.1") as server:
...     RestClient(f"http://127.0.0.1:{server.rest_port}").predict(["16+75"])
['91']
"""

import asyncio
import concurrent.futures
import logging
import os
import socket
import threading
from pathlib import Path

from keras_seq2seq.serving.errors import ServingConfigError
from keras_seq2seq.serving.limits import RequestLimits
from keras_seq2seq.serving.metrics import Metrics
from keras_seq2seq.serving.model_registry import ModelRegistry

log = logging.getLogger("keras_seq2seq.serving")

START_TIMEOUT_SECONDS = 60


class ModelServer:
    """Serves `models` (`ModelConfig`s) over gRPC on `port` and REST on `rest_api_port`.

    Port 0 lets the system pick a free port (`grpc_port` and `rest_port` tell
    which); `rest_api_port=None` turns REST off. `batching` is a
    `BatchingOptions` (None: no batching); `monitoring_path` is where REST
    exposes Prometheus metrics (None: nowhere); `limits` bound each request.
    `start()` fails when a model has no version it can serve, or a label names
    a version that is not available (unless `labels_for_unavailable`), as TF
    Serving refuses to start.
    """

    def __init__(
        self,
        models,
        port=8500,
        rest_api_port=8501,
        host="127.0.0.1",
        batching=None,
        poll_seconds=1.0,
        monitoring_path=None,
        grpc_threads=64,
        predict_threads=None,
        limits=RequestLimits(),
        warmup=True,
        labels_for_unavailable=False,
    ):
        self.models, self.host = list(models), host
        self.port, self.rest_api_port = port, rest_api_port
        self.batching, self.poll_seconds, self.monitoring_path = batching, poll_seconds, monitoring_path
        self.grpc_threads = grpc_threads
        self.predict_threads = predict_threads or max(8, 4 * (os.cpu_count() or 1))
        self.limits, self.warmup, self.labels_for_unavailable = limits, warmup, labels_for_unavailable
        self.grpc_port = self.rest_port = None
        self.metrics = Metrics(model.name for model in self.models)
        self.registry = None
        self._grpc = self._loop = self._loop_thread = self._runner = self._executor = None
        self._stopped = threading.Event()

    def start(self):
        """Loads every model's versions, then opens the ports; returns self."""
        import grpc

        from keras_seq2seq.serving.grpc_service import add_services

        for model in self.models:
            if not Path(model.base_path).is_dir():
                raise ServingConfigError(f"Could not find base path {model.base_path} for servable {model.name}")
        self._executor = concurrent.futures.ThreadPoolExecutor(self.predict_threads, thread_name_prefix="predict")
        self.registry = ModelRegistry(self.models, self._load_servable)
        try:
            self.registry.poll()
            problems = self.registry.problems_at_start(check_labels=not self.labels_for_unavailable)
            if problems:
                raise ServingConfigError("cannot serve " + "; ".join(problems))
            # No SO_REUSEPORT: a port in use is an error.
            options = [
                ("grpc.max_receive_message_length", self.limits.max_request_bytes),
                ("grpc.max_send_message_length", -1),
                ("grpc.max_connection_idle_ms", self.limits.idle_timeout_in_ms),
                ("grpc.so_reuseport", 0),
            ]
            self._grpc = grpc.server(
                concurrent.futures.ThreadPoolExecutor(self.grpc_threads, thread_name_prefix="grpc"), options=options
            )
            add_services(self._grpc, self.registry, self.metrics, self.limits)
            address = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
            try:
                self.grpc_port = self._grpc.add_insecure_port(address)
            except RuntimeError as error:
                raise ServingConfigError(f"--port: cannot listen on {address}: {error}") from None
            if not self.grpc_port:
                raise ServingConfigError(f"--port: cannot listen on {address}")
            self._grpc.start()
            log.info("Running gRPC ModelServer at %s:%d ...", self.host, self.grpc_port)
            if self.rest_api_port is not None:
                self._start_rest()
                log.info("Exporting HTTP/REST API at:%s:%d ...", self.host, self.rest_port)
            self.registry.start_polling(self.poll_seconds)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace=1.0):
        """Closes the ports, then unloads the models (idempotent)."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
            self._runner = None
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(30)
            self._loop.close()
            self._loop = None
        if self._grpc is not None:
            self._grpc.stop(grace).wait(30)
            self._grpc = None
        if self.registry is not None:
            self.registry.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._stopped.set()

    def wait(self, timeout=None):
        """Blocks until `stop()` (or `timeout` seconds); True once stopped."""
        return self._stopped.wait(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _load_servable(self, name, version, path):
        from keras_seq2seq.serving.servable import Servable

        on_batch = self.metrics.record_batch if self.batching is not None else None
        return Servable(name, version, path, self._executor, self.batching, on_batch, warmup=self.warmup)

    def _start_rest(self):
        from aiohttp import web

        from keras_seq2seq.serving.rest import RestApi

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.rest_api_port))
        except OSError as error:
            sock.close()
            raise ServingConfigError(
                f"--rest_api_port: cannot listen on {self.host}:{self.rest_api_port}: {error.strerror}"
            ) from None
        self.rest_port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever, name="rest", daemon=True)
        self._loop_thread.start()
        api = RestApi(self.registry, self.metrics, self.monitoring_path, self.limits)

        async def start_site():
            # handler_cancellation: a client that closes its connection cancels its request (and so its
            # computation); keepalive_timeout closes a connection idle, or sending its headers, for that long.
            runner = web.AppRunner(
                api.app,
                access_log=None,
                handle_signals=False,
                handler_cancellation=True,
                keepalive_timeout=self.limits.idle_timeout_in_ms / 1000,
            )
            await runner.setup()
            await web.SockSite(runner, sock).start()
            return runner

        self._runner = asyncio.run_coroutine_threadsafe(start_site(), self._loop).result(START_TIMEOUT_SECONDS)
