"""The embedded stand-in for `tensorflow_model_server`, and `keras-seq2seq serve`.

`ModelServer` loads SavedModels with `tf.saved_model.load` and answers TF
Serving's gRPC API (grpcio) and REST API (aiohttp) with TF Serving's messages
and status codes, picks up new versions while serving, batches concurrent
requests when asked, and exposes Prometheus metrics. It is for development and
tests on machines without TF Serving: `serve` runs the real
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
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path

from keras_seq2seq.serving.batching import BatchingOptions
from keras_seq2seq.serving.config_protos import batching_parameters, read_model_config, read_monitoring_config
from keras_seq2seq.serving.errors import ServingConfigError
from keras_seq2seq.serving.metrics import Metrics
from keras_seq2seq.serving.model_registry import ModelConfig, ModelRegistry, model_configs

log = logging.getLogger("keras_seq2seq.serving")

DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics"
REAL_SERVER = "tensorflow_model_server"
START_TIMEOUT_SECONDS = 60


class ModelServer:
    """Serves `models` (`ModelConfig`s) over gRPC on `port` and REST on `rest_api_port`.

    Port 0 lets the system pick a free port (`grpc_port` and `rest_port` tell
    which); `rest_api_port=None` turns REST off. `batching` is a
    `BatchingOptions` (None: no batching); `monitoring_path` is where REST
    exposes Prometheus metrics (None: nowhere).
    """

    def __init__(
        self,
        models,
        port=8500,
        rest_api_port=8501,
        host="0.0.0.0",
        batching=None,
        poll_seconds=1.0,
        monitoring_path=None,
        grpc_threads=64,
        predict_threads=None,
    ):
        self.models, self.host = list(models), host
        self.port, self.rest_api_port = port, rest_api_port
        self.batching, self.poll_seconds, self.monitoring_path = batching, poll_seconds, monitoring_path
        self.grpc_threads = grpc_threads
        self.predict_threads = predict_threads or max(8, 4 * (os.cpu_count() or 1))
        self.grpc_port = self.rest_port = None
        self.metrics = Metrics()
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
            # No message size limit (as TF Serving), and no SO_REUSEPORT: a port in use is an error.
            options = [
                ("grpc.max_receive_message_length", -1),
                ("grpc.max_send_message_length", -1),
                ("grpc.so_reuseport", 0),
            ]
            self._grpc = grpc.server(
                concurrent.futures.ThreadPoolExecutor(self.grpc_threads, thread_name_prefix="grpc"), options=options
            )
            add_services(self._grpc, self.registry, self.metrics)
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
        return Servable(name, version, path, self._executor, self.batching, on_batch)

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
        api = RestApi(self.registry, self.metrics, self.monitoring_path)

        async def start_site():
            runner = web.AppRunner(api.app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.SockSite(runner, sock).start()
            return runner

        self._runner = asyncio.run_coroutine_threadsafe(start_site(), self._loop).result(START_TIMEOUT_SECONDS)


def server_from_flags(args):
    """A `ModelServer` from `serve`'s TF Serving flags (an argparse namespace)."""
    if args.model_config_file:
        if args.model_base_path:
            log.warning("--model_config_file is given: --model_name and --model_base_path are ignored")
        models = model_configs(read_model_config(args.model_config_file))
    elif args.model_base_path:
        models = [ModelConfig(args.model_name or "default", Path(args.model_base_path))]
    else:
        raise ServingConfigError("give --model_base_path or --model_config_file")
    if args.model_config_file_poll_wait_seconds:
        log.warning("--model_config_file_poll_wait_seconds: the embedded server reads the config file once")
    batching = None
    if args.enable_batching:
        batching = BatchingOptions.from_proto(batching_parameters(args.batching_parameters_file))
    elif args.batching_parameters_file:
        log.warning("--batching_parameters_file is ignored without --enable_batching")
    monitoring_path = None
    if args.monitoring_config_file:
        prometheus = read_monitoring_config(args.monitoring_config_file).prometheus_config
        if prometheus.enable:
            monitoring_path = prometheus.path or DEFAULT_PROMETHEUS_PATH
            if not monitoring_path.startswith("/"):
                raise ServingConfigError(
                    f"--monitoring_config_file: the path must start with '/', got {monitoring_path!r}"
                )
    return ModelServer(
        models,
        port=args.port,
        rest_api_port=args.rest_api_port or None,  # 0 turns REST off, as in TF Serving
        host=args.host,
        batching=batching,
        poll_seconds=args.file_system_poll_wait_seconds,
        monitoring_path=monitoring_path,
    )


def export_zoo(models_dir):
    """Exports every zoo preset to `models_dir/NAME/1` (skipping those with a version); returns a config file.

    The config file, `models_dir/models.config`, lists every model in `models_dir`.
    """
    from keras_seq2seq.export import export
    from keras_seq2seq.export.models_config import models_config
    from keras_seq2seq.models.preset import zoo_names

    models_dir = Path(models_dir).resolve()
    for name in zoo_names():
        base_path = models_dir / name
        if base_path.is_dir() and any(path.name.isdigit() for path in base_path.iterdir()):
            log.info("%s: already exported in %s", name, base_path)
        else:
            log.info("%s: exported %s", name, export(name, base_path))
    config_file = models_dir / "models.config"
    config_file.write_text(models_config(models_dir))
    return config_file


def real_server_argv(args):
    """`tensorflow_model_server` with the same flags."""
    argv = [REAL_SERVER, f"--port={args.port}", f"--rest_api_port={args.rest_api_port}"]
    if args.model_config_file:
        argv.append(f"--model_config_file={Path(args.model_config_file).resolve()}")
    else:
        argv += [f"--model_name={args.model_name}", f"--model_base_path={Path(args.model_base_path).resolve()}"]
    if args.enable_batching:
        argv.append("--enable_batching=true")
    if args.batching_parameters_file:
        argv.append(f"--batching_parameters_file={Path(args.batching_parameters_file).resolve()}")
    argv.append(f"--file_system_poll_wait_seconds={args.file_system_poll_wait_seconds:g}")
    if args.monitoring_config_file:
        argv.append(f"--monitoring_config_file={Path(args.monitoring_config_file).resolve()}")
    if args.model_config_file_poll_wait_seconds:
        argv.append(f"--model_config_file_poll_wait_seconds={args.model_config_file_poll_wait_seconds}")
    return argv


def run_serve(args):
    """`keras-seq2seq serve`: the real server when it is on PATH, else the embedded one until SIGINT/SIGTERM."""
    _log_to_stderr()
    serving_zoo = not args.model_base_path and not args.model_config_file
    if serving_zoo:
        args.model_config_file = str(export_zoo(args.models_dir))
    if not args.embedded and shutil.which(REAL_SERVER):
        argv = real_server_argv(args)
        log.info("running %s", " ".join(argv))
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvp(REAL_SERVER, argv)
    server = server_from_flags(args)
    on_main_thread = threading.current_thread() is threading.main_thread()
    if on_main_thread:
        previous = signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.stop, daemon=True).start())
    try:
        server.start()
        if serving_zoo and server.rest_port:
            log.info("try: curl -d '{\"instances\": [\"16+75\"]}' localhost:%d/v1/models/addition:predict",
                     server.rest_port)
        while not server.wait(1.0):
            pass
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.stop()
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time of each record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _log_to_stderr():
    """The server's log lines (start-up, versions loaded, failures) on standard error, as TF Serving prints them."""
    if not any(isinstance(handler, _StderrHandler) for handler in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.propagate = False  # TensorFlow's absl logging puts a handler on the root logger: print each line once
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
