"""`keras-seq2seq serve`: TF Serving's command line, run by `tensorflow_model_server` when it is on PATH, else
by the embedded `ModelServer`.

The flags are TF Serving's, so a Kubernetes manifest or compose file written for
`tensorflow_model_server` runs against the stand-in unchanged. The stand-in
follows the flags that mean something to it; the others (TPU, TFLite, SSL, ...)
are accepted and ignored with one warning. It also has limits of its own
(`--max_request_bytes`, ...: see `keras_seq2seq/serving/limits.py`), which the
real server does not take. With no model flags, every zoo preset is exported to
`--models_dir` and served.

Example:
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_serve_arguments(parser)
>>> args = parser.parse_args(["--model_base_path=/models/addition", "--num_load_threads=4", "--port=9000"])
>>> real_server_argv(args)[:2], args.host
(['tensorflow_model_server', '--port=9000'], '127.0.0.1')
"""

import argparse
import dataclasses
import logging
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

from keras_seq2seq.serving.errors import ServingConfigError
from keras_seq2seq.serving.limits import RequestLimits

log = logging.getLogger("keras_seq2seq.serving")

REAL_SERVER = "tensorflow_model_server"
DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics"
# TF Serving's flags that mean nothing to the embedded server: accepted, passed on to the real server,
# and ignored by the stand-in with one warning.
IGNORED_FLAGS = (
    "grpc_socket_path",
    "grpc_channel_arguments",
    "rest_api_enable_cors_support",
    "enable_per_model_batching_parameters",
    "num_load_threads",
    "num_unload_threads",
    "max_num_load_retries",
    "load_retry_interval_micros",
    "flush_filesystem_caches",
    "use_alts_credentials",
    "ssl_config_file",
    "platform_config_file",
    "per_process_gpu_memory_fraction",
    "saved_model_tags",
    "num_request_iterations_for_warmup",
    "remove_unused_fields_from_bundle_metagraph",
    "prefer_tflite_model",
    "use_tflite_model",
    "num_tflite_pools",
    "num_tflite_interpreters_per_pool",
    "num_tflite_interpreters",
    "enable_signature_method_name_check",
    "xla_cpu_compilation_enabled",
    "enable_profiler",
    "thread_pool_factory_config_file",
    "mixed_precision",
    "skip_initialize_tpu",
    "enable_grpc_healthcheck_service",
    "tensorflow_session_config_file",
)
# TF Serving's flags the stand-in follows, beyond the model and port flags: passed on to the real server when given.
FOLLOWED_FLAGS = (
    "rest_api_timeout_in_ms",
    "rest_api_num_threads",
    "grpc_max_threads",
    "enable_model_warmup",
    "tensorflow_session_parallelism",
    "tensorflow_intra_op_parallelism",
    "tensorflow_inter_op_parallelism",
    "allow_version_labels_for_unavailable_models",
)
LIMIT_DEFAULTS = RequestLimits()


def add_commands(commands):
    serve = commands.add_parser(
        "serve",
        help="serve exported models over TF Serving's gRPC and REST APIs",
        description="Runs tensorflow_model_server with these flags when it is on PATH, else the embedded "
        "stand-in. With no model flags, exports every zoo preset to --models_dir and serves them all.",
    )
    add_serve_arguments(serve)
    serve.set_defaults(run=run_serve)


def add_serve_arguments(parser):
    """`serve`'s flags on an argparse parser."""
    parser.add_argument("--port", type=int, default=8500, help="gRPC port (default 8500; 0: any free port)")
    parser.add_argument("--rest_api_port", type=int, default=8501, help="REST port (default 8501; 0: no REST)")
    parser.add_argument("--model_name", default="default", help="name of the model given by --model_base_path")
    parser.add_argument("--model_base_path", help="folder of the model's numbered versions")
    parser.add_argument("--model_config_file", help="ModelServerConfig text proto listing the models")
    parser.add_argument("--enable_batching", nargs="?", const=True, default=False, type=flag_bool,
                        help="merge concurrent requests into batches")
    parser.add_argument("--batching_parameters_file", help="BatchingParameters text proto")
    parser.add_argument("--file_system_poll_wait_seconds", type=float, default=1.0,
                        help="seconds between looks for new versions (default 1; 0: only at start)")
    parser.add_argument("--model_config_file_poll_wait_seconds", type=int, default=0,
                        help="seconds between reads of --model_config_file (real server only)")
    parser.add_argument("--monitoring_config_file", help="MonitoringConfig text proto (Prometheus metrics over REST)")
    parser.add_argument("--rest_api_timeout_in_ms", type=int,
                        help=f"time of a REST request, body included (default {LIMIT_DEFAULTS.rest_api_timeout_in_ms})")
    parser.add_argument("--rest_api_num_threads", type=int, help="threads that run predictions (default 4 per CPU, "
                        "at least 8)")
    parser.add_argument("--grpc_max_threads", type=int, help="threads that answer gRPC calls (default 64)")
    parser.add_argument("--enable_model_warmup", type=flag_bool, nargs="?", const=True,
                        help="replay each version's warm-up records when it loads (default true)")
    for name in ("tensorflow_session_parallelism", "tensorflow_intra_op_parallelism",
                 "tensorflow_inter_op_parallelism"):
        parser.add_argument(f"--{name}", type=int, help="TensorFlow's thread pools (default 0: TensorFlow chooses)")
    parser.add_argument("--allow_version_labels_for_unavailable_models", type=flag_bool, nargs="?", const=True,
                        help="let a label name a version that is not available (default false)")
    for name in IGNORED_FLAGS:
        parser.add_argument(f"--{name}", nargs="?", const="true", help=argparse.SUPPRESS)
    limits = parser.add_argument_group("limits of the embedded server (TF Serving has none of these)")
    for field in dataclasses.fields(RequestLimits):
        if field.name != "rest_api_timeout_in_ms":
            limits.add_argument(f"--{field.name}", type=int, default=field.default, help=f"default {field.default}")
    parser.add_argument("--embedded", action="store_true",
                        help="use the embedded server even if tensorflow_model_server is on PATH")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address the embedded server listens on (default 127.0.0.1, this machine only; "
                        "0.0.0.0 for every interface)")
    parser.add_argument("--models_dir", default="models", help="where zoo presets are exported with no model flags")


def flag_bool(text):
    """TF Serving's boolean flag values: --enable_batching, --enable_batching=true, --enable_batching=false."""
    value = str(text).strip().lower()
    if value not in ("true", "false", "1", "0"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return value in ("true", "1")


def request_limits(args):
    """The `RequestLimits` the flags give."""
    values = {field.name: getattr(args, field.name) for field in dataclasses.fields(RequestLimits)}
    if values["rest_api_timeout_in_ms"] is None:
        values["rest_api_timeout_in_ms"] = LIMIT_DEFAULTS.rest_api_timeout_in_ms
    return RequestLimits(**values)


def server_from_flags(args):
    """A `ModelServer` from `serve`'s TF Serving flags (an argparse namespace)."""
    from keras_seq2seq.serving.batching import BatchingOptions
    from keras_seq2seq.serving.config_protos import batching_parameters, read_model_config, read_monitoring_config
    from keras_seq2seq.serving.model_registry import ModelConfig, model_configs
    from keras_seq2seq.serving.server import ModelServer

    ignored = [f"--{name}" for name in IGNORED_FLAGS if getattr(args, name) is not None]
    if ignored:
        log.warning("the embedded server ignores %s (no meaning here)", ", ".join(ignored))
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
    return ModelServer(
        models,
        port=args.port,
        rest_api_port=args.rest_api_port or None,  # 0 turns REST off, as in TF Serving
        host=args.host,
        batching=batching,
        poll_seconds=args.file_system_poll_wait_seconds,
        monitoring_path=_monitoring_path(args.monitoring_config_file, read_monitoring_config),
        grpc_threads=args.grpc_max_threads or 64,
        predict_threads=args.rest_api_num_threads,
        limits=request_limits(args),
        warmup=args.enable_model_warmup is not False,
        labels_for_unavailable=bool(args.allow_version_labels_for_unavailable_models),
    )


def _monitoring_path(config_file, read_monitoring_config):
    """Where REST exposes Prometheus metrics per the `--monitoring_config_file` (None: nowhere)."""
    if not config_file:
        return None
    prometheus = read_monitoring_config(config_file).prometheus_config
    if not prometheus.enable:
        return None
    path = prometheus.path or DEFAULT_PROMETHEUS_PATH
    if not path.startswith("/"):
        raise ServingConfigError(f"--monitoring_config_file: the path must start with '/', got {path!r}")
    return path


def set_tensorflow_threads(args):
    """TF Serving's `--tensorflow_*_parallelism` flags as TensorFlow's thread pool sizes (before TensorFlow starts)."""
    session = args.tensorflow_session_parallelism or 0
    intra = args.tensorflow_intra_op_parallelism or session
    inter = args.tensorflow_inter_op_parallelism or session
    if not (intra or inter):
        return
    import tensorflow as tf

    try:
        if intra:
            tf.config.threading.set_intra_op_parallelism_threads(intra)
        if inter:
            tf.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError as error:  # TensorFlow already started (e.g. in a process that ran models before)
        log.warning("--tensorflow_*_parallelism ignored: %s", error)


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
    """`tensorflow_model_server` with the same flags (the TF Serving ones; the stand-in's limits are its own)."""
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
    for name in FOLLOWED_FLAGS + IGNORED_FLAGS:
        value = getattr(args, name)
        if value is not None:
            argv.append(f"--{name}={str(value).lower() if isinstance(value, bool) else value}")
    return argv


def run_serve(args):
    """The real server when it is on PATH, else the embedded one until SIGINT/SIGTERM; returns the exit status."""
    log_to_stderr()
    serving_zoo = not args.model_base_path and not args.model_config_file
    use_real = not args.embedded and shutil.which(REAL_SERVER)
    if not use_real:
        set_tensorflow_threads(args)
    if serving_zoo:
        args.model_config_file = str(export_zoo(args.models_dir))
    if use_real:
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


def log_to_stderr():
    """The server's log lines (start-up, versions loaded, failures) on standard error, as TF Serving prints them."""
    if not any(isinstance(handler, _StderrHandler) for handler in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.propagate = False  # TensorFlow's absl logging puts a handler on the root logger: print each line once
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
