"""Errors of the serving clients (`ServingError`) and of the embedded server (`ServerError`)."""

from keras_seq2seq.errors import Seq2SeqError

# TF Serving's model_servers/http_server.cc: ToHTTPStatusCode.
HTTP_STATUS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
    "UNAUTHENTICATED": 401,
}

# The canonical codes in numeric order (OK = 0 ... UNAUTHENTICATED = 16), as in tf.errors and gRPC.
CODE_NAMES = tuple(HTTP_STATUS)


class ServingError(Seq2SeqError):
    """A model server answered with an error, or did not answer.

    `status` is the HTTP status code (REST) or the `grpc.StatusCode` (gRPC) of
    the answer, None when there was no answer (connection refused, time-out on
    REST); `message` is the server's own message, whole.
    """

    def __init__(self, message, status=None, server=None):
        self.message = message
        self.status = status
        self.server = server
        one_line = " ".join(str(message).split())
        if server is None:
            text = one_line
        else:
            code = getattr(status, "name", None) or (f"HTTP {status}" if status is not None else None)
            text = f"{server} answered {code}: {one_line}" if code else f"{server}: {one_line}"
        super().__init__(text)


class ServingConfigError(Seq2SeqError):
    """A model server flag or configuration file that cannot be used; names the flag or file."""


class ServerError(Exception):
    """A request the embedded server refuses: a canonical status code name and TF Serving's message."""

    def __init__(self, code, message):
        if code not in HTTP_STATUS:
            raise ValueError(f"unknown status code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self):
        return HTTP_STATUS[self.code]

    @property
    def grpc_code(self):
        import grpc

        return grpc.StatusCode[self.code]


def invalid_argument(message):
    return ServerError("INVALID_ARGUMENT", message)


def not_found(message):
    return ServerError("NOT_FOUND", message)
