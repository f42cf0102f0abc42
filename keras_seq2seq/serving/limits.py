"""What one request may cost the embedded server: sizes, counts, depths and times, each with its `serve` flag.

TF Serving bounds time (`--rest_api_timeout_in_ms`, gRPC deadlines) and little
else; a stand-in that anyone on the network can reach needs more. Each limit is
checked before the work it bounds: the element count from a tensor's declared
shape before the tensor is built, a string's length before it is decoded, the
body's size before it is read. A request over a limit gets INVALID_ARGUMENT
(HTTP 400; a body too large: HTTP 413) with a message naming the flag to raise.

Example:
>>> limits = RequestLimits(max_request_elements=4)
>>> limits.check_elements("text", 5)
Traceback (most recent call last):
...
keras_seq2seq.serving.errors.ServerError: input 'text' has 5 elements; this server takes at most 4 per request (--max_request_elements)
"""

import dataclasses

from keras_seq2seq.serving.errors import ServingConfigError, invalid_argument

MiB = 2**20


@dataclasses.dataclass(frozen=True)
class RequestLimits:
    """The limits, under their `serve` flag names; the defaults are the flags' defaults."""

    # Bytes of a REST body (HTTP 413 above it) or of a gRPC request message (RESOURCE_EXHAUSTED).
    max_request_bytes: int = 16 * MiB
    # Elements of one input tensor of a request (texts, images), counted from its declared shape
    # (as many as TF Serving's default max_batch_size).
    max_request_elements: int = 1000
    # Bytes of one string element (a text, or an encoded image), checked before it is decoded.
    max_string_bytes: int = 4 * MiB
    # Nesting of arrays and objects in a REST body (a predict request needs a few levels per tensor rank).
    max_json_depth: int = 100
    # TF Serving's flag: a REST request's whole time, from its headers to its answer (its body included).
    rest_api_timeout_in_ms: int = 30_000
    # A connection with no request in progress (REST: nor the headers of one) is closed after this long.
    idle_timeout_in_ms: int = 15_000

    def __post_init__(self):
        for field in dataclasses.fields(self):
            if getattr(self, field.name) < 1:
                raise ServingConfigError(f"--{field.name} must be at least 1, got {getattr(self, field.name)}")

    def check_elements(self, what, count):
        """INVALID_ARGUMENT naming the flag when `count` elements (of input `what`) are too many."""
        if count > self.max_request_elements:
            raise invalid_argument(
                f"input '{what}' has {count} elements; this server takes at most {self.max_request_elements} "
                "per request (--max_request_elements)"
            )

    def check_string(self, what, length):
        """INVALID_ARGUMENT naming the flag when one string of `length` bytes (in input `what`) is too long."""
        if length > self.max_string_bytes:
            raise invalid_argument(
                f"input '{what}' has a string of {length} bytes; this server takes at most {self.max_string_bytes} "
                "(--max_string_bytes)"
            )

    def body_too_large(self, length):
        """The message of HTTP 413 for a body of `length` bytes (None: unknown length)."""
        size = "" if length is None else f" of {length} bytes"
        return f"the request body{size} is larger than {self.max_request_bytes} bytes (--max_request_bytes)"

    def timeout_message(self):
        return f"the request took longer than {self.rest_api_timeout_in_ms} ms (--rest_api_timeout_in_ms)"
