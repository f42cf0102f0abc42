"""A loaded signature called by its function's name with flat inputs, so that each call can be cancelled.

`Cancellation` stops a running call (TensorFlow's executor aborts between ops,
while loops included: a decode loop stops within a step), which is how the
server stops a request whose deadline passed or whose client went away, as
TF Serving stops its session runs.

Why not `signature(**inputs)` under `tf`'s `CancellationManager.get_cancelable_function`:
that sets one process-wide "current manager", so with two requests running in
two threads, one could cancel the other or run uncancellable. Below, each call
gets its own manager (`execute_with_cancellation`, the call TensorFlow makes
itself). It also skips the structured call's argument checks (the server has
checked the inputs already). It relies on TensorFlow internals
(pinned in setup.cfg); `tests/serving/test_signature_call.py` checks it against
the plain call.

Example:
>>> import tempfile
>>> from keras_seq2seq.export import export
>>> module = tf.saved_model.load(str(export("addition", tempfile.mkdtemp() + "/addition")))
>>> call = SignatureCall(module.signatures["serving_default"])
>>> call({"text": tf.constant(["16+75"])}, Cancellation())["output"].numpy()
array([b'91'], dtype=object)
"""

import itertools

import tensorflow as tf
from tensorflow.python.eager import cancellation, context, execute


class Cancellation:
    """One call's cancellation: `cancel()` (from any thread, at any time) stops it with `tf.errors.CancelledError`."""

    __slots__ = ("manager", "reason")

    def __init__(self):
        self.manager = cancellation.CancellationManager()
        self.reason = None

    def cancel(self, reason="cancelled"):
        """Stops the call (or the call about to start); `reason` says why, for the error message."""
        if self.reason is None:
            self.reason = reason
        self.manager.start_cancel()

    @property
    def cancelled(self):
        return self.reason is not None


class SignatureCall:
    """Calls `function` (a signature of a loaded SavedModel) with `{name: tensor}`; returns `{name: tensor}`."""

    def __init__(self, function):
        self._function_type = function.function_type
        atomic = function._inference_function  # noqa: SLF001 (the graph function the signature runs)
        self._name = atomic.name.decode()
        self._pack = atomic.function_type.pack_output
        self._num_outputs = len(atomic.function_type.flat_outputs)
        self._captured = list(function.captured_inputs)

    def __call__(self, tensors, cancel):
        """Runs the signature; `cancel` (a `Cancellation`) can stop it; TensorFlow's errors as raised by the call."""
        bound = self._function_type.bind(**tensors)
        flat = self._function_type.unpack_inputs(bound) + self._captured
        ctx = context.context()
        attrs = tuple(itertools.chain(*ctx.function_call_options.as_attrs().items()))
        outputs = execute.execute_with_cancellation(
            self._name,
            num_outputs=self._num_outputs,
            inputs=flat,
            attrs=attrs,
            ctx=ctx,
            cancellation_manager=cancel.manager,
        )
        return self._pack(outputs)


__all__ = ["Cancellation", "SignatureCall"]
