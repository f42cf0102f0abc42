"""Prometheus metrics under TF Serving's names, in a registry of the server's own.

prometheus-client adds `_total` to counter names, so the request counter reads
`:tensorflow:serving:request_count_total`.

The page cannot grow without bound: requests for models the server does not
serve share the model name `UNKNOWN_MODEL` (a client could otherwise add a
series per random name), and latency is recorded for successful requests only,
as TF Serving does.

Example:
>>> metrics = Metrics(["addition"])
>>> metrics.record("no-such-model", "predict", "REST", "NOT_FOUND", 0.001)
>>> b'model_name="<unknown>",status="NOT_FOUND"' in metrics.page()
True
"""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

# TF Serving's request latency buckets: 10 us * 1.8^i, 33 of them.
LATENCY_BUCKETS_MICROS = [float(round(10 * 1.8**i)) for i in range(33)]
BATCH_SIZE_BUCKETS = [float(2**i) for i in range(14)]
UNKNOWN_MODEL = "<unknown>"


class Metrics:
    """Request counts by model and status, latency by model, API and entry point, and batch sizes."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, model_names=()):
        self.model_names = frozenset(model_names)
        self.registry = CollectorRegistry()
        self.request_count = Counter(
            ":tensorflow:serving:request_count",
            "The total number of requests.",
            ["model_name", "status"],
            registry=self.registry,
        )
        self.request_latency = Histogram(
            ":tensorflow:serving:request_latency",
            "Distribution of wall time (in microseconds) for Tensorflow Serving request.",
            ["model_name", "API", "entrypoint"],
            buckets=LATENCY_BUCKETS_MICROS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            ":tensorflow:serving:batching_session:processed_batch_size",
            "Tracks the batch size distribution on processing.",
            ["model_name"],
            buckets=BATCH_SIZE_BUCKETS,
            registry=self.registry,
        )

    def record(self, model_name, api, entrypoint, status, seconds):
        """Counts one request (`status` is a canonical code name, e.g. "OK", "INVALID_ARGUMENT")."""
        if model_name not in self.model_names:
            model_name = UNKNOWN_MODEL
        self.request_count.labels(model_name, status).inc()
        if status == "OK":
            self.request_latency.labels(model_name, api, entrypoint).observe(seconds * 1e6)

    def record_batch(self, model_name, rows):
        self.batch_size.labels(model_name).observe(rows)

    def page(self):
        """The text exposition format, as bytes."""
        return generate_latest(self.registry)
