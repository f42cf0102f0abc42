"""`keras-seq2seq query`: answers from a model server, over REST or gRPC.

Light on purpose: neither client imports TensorFlow, and nor does this module.
"""

import sys
from pathlib import Path

from keras_seq2seq.errors import InputError

QUERY_CHUNK = 256  # texts per request


def add_commands(commands):
    query = commands.add_parser("query", help="answer each TEXT (or line of standard input) through a model server")
    query.add_argument("--model", required=True, help="model name on the server")
    target = query.add_mutually_exclusive_group()
    target.add_argument("--grpc", metavar="HOST:PORT", help="ask over gRPC")
    target.add_argument("--rest", metavar="URL", help="ask over REST (default http://127.0.0.1:8501)")
    query.add_argument("--version", type=int, help="model version (default: the latest served)")
    query.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)")
    query.add_argument("--scores", action="store_true", help="print each answer's score after a tab")
    query.add_argument("--images", action="store_true",
                       help="each TEXT (or line) is an image file to caption: its bytes are sent as image_bytes")
    query.add_argument("texts", nargs="*", metavar="TEXT")
    query.set_defaults(run=run_query)


def run_query(args):
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin]
    if args.images:  # both clients send bytes as binary strings (REST: {"b64": ...})
        texts = [_read_image_file(path) for path in texts]
    if args.grpc:
        from keras_seq2seq.serving.grpc_client import GrpcClient

        input_name = "image_bytes" if args.images else "text"
        client = GrpcClient(args.grpc, model=args.model, timeout=args.timeout, input_name=input_name)
    else:
        from keras_seq2seq.serving.rest_client import RestClient

        client = RestClient(args.rest or "http://127.0.0.1:8501", model=args.model, timeout=args.timeout)
    try:
        for start in range(0, len(texts), QUERY_CHUNK):
            for answer, score in client.predict_with_scores(texts[start : start + QUERY_CHUNK], version=args.version):
                print(f"{answer}\t{score:.6g}" if args.scores and score is not None else answer)
    finally:
        client.close()


def _read_image_file(path):
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read image {path!r}: {error.strerror or error}") from None
