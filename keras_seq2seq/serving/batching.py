"""Server-side batching (`--enable_batching`): concurrent requests to one model version share one signature call.

As TF Serving's batch scheduler does it: a batch thread takes the oldest
waiting request, then waits until the queued requests fill `max_batch_size`
rows or until that request has waited `batch_timeout_micros`, and runs every
request that fits as one call of the signature, splitting the outputs back.
With the default time-out of 0, batches form from whatever queued up while the
batch threads were busy.
"""

import collections
import concurrent.futures
import dataclasses
import logging
import os
import threading
import time

import numpy as np

from keras_seq2seq.serving.errors import ServerError, ServingConfigError

log = logging.getLogger("keras_seq2seq.serving")


@dataclasses.dataclass(frozen=True)
class BatchingOptions:
    """The `BatchingParameters` this server follows; defaults as in TF Serving's BasicBatchScheduler."""

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 10
    num_batch_threads: int = os.cpu_count() or 1
    enable_large_batch_splitting: bool = False

    @classmethod
    def from_proto(cls, parameters):
        """Options from a `BatchingParameters` message (fields left out keep their defaults)."""
        values = {}
        for field in dataclasses.fields(cls):
            if parameters.HasField(field.name):
                values[field.name] = getattr(parameters, field.name).value
        options = cls(**values)
        for name in ("max_batch_size", "max_enqueued_batches", "num_batch_threads"):
            if getattr(options, name) < 1:
                raise ServingConfigError(
                    f"--batching_parameters_file: {name} must be at least 1, got {getattr(options, name)}"
                )
        if options.batch_timeout_micros < 0:
            raise ServingConfigError("--batching_parameters_file: batch_timeout_micros must not be negative")
        if parameters.allowed_batch_sizes or parameters.pad_variable_length_inputs:
            log.info("batching: allowed_batch_sizes and pad_variable_length_inputs are ignored (no padding is needed)")
        return options


@dataclasses.dataclass
class _Task:
    inputs: dict
    size: int
    alone: bool
    future: concurrent.futures.Future
    enqueued: float


class Batcher:
    """Queues `submit(inputs)` calls and runs them in merged batches through `run(inputs) -> outputs`.

    `inputs` and `outputs` map names to arrays whose first dimension is the
    batch. A merged batch that fails (one bad text among good ones) is run
    again request by request, so that only the bad request gets the error.
    """

    def __init__(self, run, options=BatchingOptions(), name="batch", on_batch=None):
        self._run = run
        self._options = options
        self._on_batch = on_batch
        self._queue = collections.deque()
        self._queued_rows = 0
        self._closed = False
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True)
            for i in range(options.num_batch_threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, inputs):
        """A `concurrent.futures.Future` of the outputs of this request alone."""
        future = concurrent.futures.Future()
        options = self._options
        size = _batch_size(inputs)
        alone = size is None or size > options.max_batch_size
        if size is not None and size > options.max_batch_size and not options.enable_large_batch_splitting:
            future.set_exception(
                ServerError(
                    "INVALID_ARGUMENT",
                    f"Task size {size} is larger than maximum input batch size {options.max_batch_size}",
                )
            )
            return future
        with self._cond:
            if self._closed:  # a request that found this version just before it was unloaded: run it alone
                task = _Task(inputs, size or 1, True, future, time.monotonic())
                future.set_running_or_notify_cancel()
                threading.Thread(target=self._run_alone, args=(task,), daemon=True).start()
            elif self._queued_rows >= options.max_enqueued_batches * options.max_batch_size:
                future.set_exception(
                    ServerError("UNAVAILABLE", "The batch scheduling queue to which this task was submitted is full")
                )
            else:
                self._queue.append(_Task(inputs, size or 1, alone, future, time.monotonic()))
                self._queued_rows += size or 1
                self._cond.notify_all()
        return future

    def close(self, timeout=30.0):
        """Runs what is queued, then stops the batch threads."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self):
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._process(batch)
            except BaseException as error:  # never lose a thread: fail the batch instead
                log.exception("batching: a batch failed")
                for task in batch:
                    if not task.future.done():
                        task.future.set_exception(ServerError("INTERNAL", f"batch failed: {error}"))

    def _next_batch(self):
        timeout = self._options.batch_timeout_micros / 1e6
        limit = self._options.max_batch_size
        with self._cond:
            while True:
                if self._queue:
                    first = self._queue[0]
                    remaining = first.enqueued + timeout - time.monotonic()
                    if self._closed or first.alone or self._queued_rows >= limit or remaining <= 0:
                        break
                    self._cond.wait(remaining)
                elif self._closed:
                    return None
                else:
                    self._cond.wait()
            batch = [self._queue.popleft()]
            rows = batch[0].size
            while not batch[0].alone and self._queue and not self._queue[0].alone:
                if rows + self._queue[0].size > limit:
                    break
                batch.append(self._queue.popleft())
                rows += batch[-1].size
            self._queued_rows -= rows
        # A request whose client went away was cancelled: leave it out.
        return [task for task in batch if task.future.set_running_or_notify_cancel()]

    def _process(self, batch):
        if not batch:
            return
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        try:
            merged = {name: np.concatenate([task.inputs[name] for task in batch]) for name in batch[0].inputs}
        except (KeyError, ValueError):  # shapes that do not concatenate: no merging
            merged = None
        if merged is not None:
            try:
                outputs = self._call(merged)
            except ServerError:
                merged = None
        if merged is None:
            for task in batch:
                self._run_alone(task)
            return
        rows = sum(task.size for task in batch)
        if any(np.ndim(value) == 0 or len(value) != rows for value in outputs.values()):
            error = ServerError("INTERNAL", "the signature's outputs do not have the batch size of its inputs")
            for task in batch:
                task.future.set_exception(error)
            return
        start = 0
        for task in batch:
            task.future.set_result({name: value[start : start + task.size] for name, value in outputs.items()})
            start += task.size

    def _run_alone(self, task):
        try:
            task.future.set_result(self._call(task.inputs))
        except ServerError as error:
            task.future.set_exception(error)
        except Exception as error:  # noqa: BLE001 (handed to the waiting request)
            log.exception("batching: a request failed")
            task.future.set_exception(ServerError("INTERNAL", f"{type(error).__name__}: {error}"))

    def _call(self, inputs):
        if self._on_batch is not None:
            self._on_batch(_batch_size(inputs) or 1)
        return self._run(inputs)


def _batch_size(inputs):
    """The common first dimension of the inputs, or None when they have none."""
    sizes = {len(value) if np.ndim(value) else None for value in inputs.values()}
    return sizes.pop() if len(sizes) == 1 else None
