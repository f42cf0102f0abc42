"""Serving speed: the embedded model server on loopback, beside direct in-process calls of the same SavedModel.

Usage: python bench/serving_speed.py [--preset addition] [--seconds 3] [--max-requests 20000]

Every request is one sentence. The server runs as `keras-seq2seq serve
--embedded` in a process of its own, three times: without batching; with
`--enable_batching` (up to 32 requests per call, no time-out, one batch thread);
and with batching in the graph instead (the signature wrapped in
`tf.nondifferentiable_batch_function` with the same parameters, which stock TF
Serving runs too, served without `--enable_batching` and with 32 threads). The
clients are threads of this process, each with its own REST or gRPC client.
Each server row also gives the server's CPU time per request (from /proc).
Each configuration runs for `--seconds` (at most `--max-requests` requests);
the direct calls run the SavedModel's `serving_default` signature in this
process, sequentially and from 32 threads, as many times as the server rows
with the same number of clients, through `SignatureCall` (the server's flat,
cancellable call path); the plain structured call `signature(text=...)` is
timed beside it. Latencies are per request, as the client sees them.

Python client threads cost CPU and hold the GIL on the same two cores as the
server, so the REST rows are also measured with `wrk` (a C load generator in
its own process; `apt-get install wrk`) when it is on PATH. The row "direct
signature call, 32 per call" is the ceiling batching can reach: the signature
run on 32 sentences at a time, counted in sentences per second.
"""

import argparse
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

CONCURRENCY = (1, 32)
BATCH_SIZE = 32
# As TF Serving's batching guide advises for CPUs: no time-out (batches form from what
# queued while the last one ran), and one batch thread, which leaves the other core to
# HTTP and gRPC. (2 ms and two threads answered fewer requests per second in our trials.)
BATCHING_PARAMETERS = """max_batch_size { value: 32 }
batch_timeout_micros { value: 0 }
max_enqueued_batches { value: 1000 }
num_batch_threads { value: 1 }
"""
READY_SECONDS = 120
MODES = ("no batching", "batching", "in-graph batching")


def questions(count, seed=0):
    rng = random.Random(seed)
    return [f"{rng.randrange(1000)}+{rng.randrange(1000)}" for _ in range(count)]


def interleaved_p50(calls, texts):
    """`{name: p50 milliseconds}` of single-sentence `calls`, one request at a time, the calls taking turns.

    Taking turns request by request, rather than one configuration after another,
    keeps a slow spell of a shared machine from landing on one of them only.
    """
    latencies = {name: [] for name in calls}
    for text in texts[:10]:  # warm-up, not measured
        for call in calls.values():
            call(text)
    for text in texts:
        for name, call in calls.items():
            started = time.perf_counter()
            call(text)
            latencies[name].append(time.perf_counter() - started)
    return {name: float(np.percentile(values, 50)) * 1e3 for name, values in latencies.items()}


def measure(make_call, clients, seconds, max_requests, texts):
    """`(requests, seconds, latencies)` of `clients` threads each calling `make_call()(text)` in a loop."""
    latencies, lock = [], threading.Lock()
    remaining = [max_requests]
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(index):
        call = make_call()
        for text in texts[:3]:  # warm-up, not measured
            call(text)
        barrier.wait(READY_SECONDS)
        own, position = [], index
        while time.perf_counter() < deadline[0]:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            text = texts[position % len(texts)]
            position += clients
            started = time.perf_counter()
            call(text)
            own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = float("inf")  # until every client is warm
    barrier.wait(READY_SECONDS)
    started = time.perf_counter()
    deadline[0] = started + seconds
    for thread in threads:
        thread.join(seconds + READY_SECONDS)
    elapsed = time.perf_counter() - started
    return len(latencies), elapsed, np.array(latencies)


def export_in_graph_batching(preset, base_path):
    """Exports `preset` with its signature wrapped in `tf.nondifferentiable_batch_function` (32 rows, no time-out,
    one batch thread: BATCHING_PARAMETERS); returns the version folder."""
    import keras
    import tensorflow as tf

    from keras_seq2seq.export.op_check import check_stock_serving_ops
    from keras_seq2seq.export.saved_model import INPUT_NAME, serving_function
    from keras_seq2seq.models import load_preset

    model = load_preset(preset)
    serve = serving_function(model)

    @tf.nondifferentiable_batch_function(num_batch_threads=1, max_batch_size=BATCH_SIZE, batch_timeout_micros=0)
    def batched(text):
        outputs = serve(text)
        return outputs["output"], outputs["score"]

    def endpoint(text):
        output, score = batched(text)
        return {"output": output, "score": score}

    archive = keras.export.ExportArchive()
    archive.track(model)
    signature = [tf.TensorSpec([None], tf.string, name=INPUT_NAME)]
    archive.add_endpoint("serving_default", endpoint, input_signature=signature)
    archive.write_out(str(base_path / "1"), verbose=False)
    check_stock_serving_ops(base_path / "1")  # BatchFunction is a stock op
    return base_path / "1"


def start_server(base_path, rest_port, extra_flags=()):
    """`(process, grpc port)` of `keras-seq2seq serve --embedded` on loopback."""
    argv = [
        sys.executable, "-m", "keras_seq2seq.cli", "serve", "--embedded", "--host=127.0.0.1", "--port=0",
        f"--rest_api_port={rest_port}", "--model_name=addition", f"--model_base_path={base_path}",
        "--file_system_poll_wait_seconds=0", *extra_flags,
    ]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    deadline = time.monotonic() + READY_SECONDS
    seen, grpc_port = [], None
    while time.monotonic() < deadline and process.poll() is None:
        try:
            seen.append(lines.get(timeout=0.5))
        except queue.Empty:
            continue
        match = re.search(r"Running gRPC ModelServer at 127\.0\.0\.1:(\d+)", seen[-1])
        grpc_port = int(match[1]) if match else grpc_port
        if grpc_port and "Exporting HTTP/REST API" in seen[-1]:
            return process, grpc_port
    process.kill()
    raise SystemExit("the server did not start:\n" + "".join(seen))


def wrk_row(name, url, text, connections, seconds, server_pid):
    """A result row of `wrk` posting `{"instances": [text]}` to `url` from `connections` connections.

    The row also holds the server's CPU time per request (`cpu_ms`, Linux only).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        body = json.dumps({"instances": [text]})
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
                     'wrk.headers["Content-Type"] = "application/json"\n')
    cpu_before = process_cpu_seconds(server_pid)
    try:
        output = subprocess.run(
            ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds:g}s", "-s", script.name,
             "--latency", url],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    cpu_seconds = process_cpu_seconds(server_pid) - cpu_before
    p50, p99 = (_milliseconds(re.search(rf"\s{p}%\s+([\d.]+\w+)", output)[1]) for p in (50, 99))
    requests = int(re.search(r"(\d+) requests in", output)[1])
    return {
        "name": name,
        "clients": connections,
        "requests": requests,
        "cpu_ms": cpu_seconds / requests * 1e3 if requests else float("nan"),
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": p50,
        "p99": p99,
    }


def process_cpu_seconds(pid):
    """User plus system CPU seconds of process `pid` so far, from /proc (NaN where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _milliseconds(value):
    """wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_server(process):
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(30)


def row(name, clients, result, cpu_seconds=float("nan")):
    count, elapsed, latencies = result
    return {
        "name": name,
        "clients": clients,
        "requests": count,
        "cpu_ms": cpu_seconds / count * 1e3 if count else float("nan"),
        "rate": count / elapsed if elapsed else 0.0,
        "p50": float(np.percentile(latencies, 50)) * 1e3 if count else float("nan"),
        "p99": float(np.percentile(latencies, 99)) * 1e3 if count else float("nan"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="addition")
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per configuration")
    parser.add_argument("--max-requests", type=int, default=20000, help="request cap per configuration")
    args = parser.parse_args()

    import tensorflow as tf

    from keras_seq2seq.export import export
    from keras_seq2seq.serving import GrpcClient, RestClient

    from keras_seq2seq.serving.signature_call import Cancellation, SignatureCall

    texts = questions(1000)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base_path = Path(folder) / "addition"
        export(args.preset, base_path, version=1)
        in_graph_path = export_in_graph_batching(args.preset, Path(folder) / "in_graph" / "addition").parent
        batching_file = Path(folder) / "batching.txt"
        batching_file.write_text(BATCHING_PARAMETERS)
        flags = {
            "no batching": (base_path, []),
            "batching": (base_path, ["--enable_batching", f"--batching_parameters_file={batching_file}"]),
            "in-graph batching": (in_graph_path, ["--rest_api_num_threads=32"]),
        }

        signature = tf.saved_model.load(str(base_path / "1")).signatures["serving_default"]
        flat_call = SignatureCall(signature)

        def direct_call(text):
            return flat_call({"text": tf.constant([text])}, Cancellation())["output"].numpy()

        def structured_call(text):
            return signature(text=tf.constant([text]))["output"].numpy()

        server_rows = {}
        for mode in MODES:
            rest_port = free_port()
            process, grpc_port = start_server(flags[mode][0], rest_port, flags[mode][1])
            try:
                RestClient(f"http://127.0.0.1:{rest_port}", args.preset, timeout=READY_SECONDS).predict(["1+1"])
                clients = {
                    "REST": lambda: RestClient(f"http://127.0.0.1:{rest_port}", args.preset, timeout=60).predict,
                    "gRPC": lambda: GrpcClient(f"127.0.0.1:{grpc_port}", args.preset, timeout=60).predict,
                }
                for protocol, make_client in clients.items():
                    for concurrency in CONCURRENCY:
                        name = f"server {protocol}, {mode}"
                        def make_call(make_client=make_client):
                            predict = make_client()
                            return lambda text: predict([text])

                        cpu_before = process_cpu_seconds(process.pid)
                        result = measure(make_call, concurrency, args.seconds, args.max_requests, texts)
                        cpu = process_cpu_seconds(process.pid) - cpu_before
                        server_rows[(protocol, mode, concurrency)] = row(name, concurrency, result, cpu)
                        print(f"  measured {name}, {concurrency} clients", file=sys.stderr)
                if mode == "no batching":
                    overhead = interleaved_p50(
                        {
                            "direct": direct_call,
                            "direct, structured call": structured_call,
                            "REST": RestClient(f"http://127.0.0.1:{rest_port}", args.preset, timeout=60).predict,
                            "gRPC": GrpcClient(f"127.0.0.1:{grpc_port}", args.preset, timeout=60).predict,
                        },
                        texts,
                    )
                if shutil.which("wrk"):
                    url = f"http://127.0.0.1:{rest_port}/v1/models/addition:predict"
                    for concurrency in CONCURRENCY:
                        name = f"server REST (wrk), {mode}"
                        server_rows[("REST (wrk)", mode, concurrency)] = wrk_row(
                            name, url, texts[0], concurrency, args.seconds, process.pid)
            finally:
                stop_server(process)

        for concurrency in CONCURRENCY:
            count = max(r["requests"] for key, r in server_rows.items() if key[2] == concurrency)
            result = measure(lambda: direct_call, concurrency, args.seconds * 3, count, texts)
            rows.append(row("direct signature call, in-process", concurrency, result))
        batch = tf.constant(texts[:BATCH_SIZE])
        result = measure(
            lambda: lambda text: flat_call({"text": batch}, Cancellation())["output"].numpy(), 1, args.seconds, 10**9,
            texts,
        )
        ceiling = row(f"direct signature call, {BATCH_SIZE} per call", 1, result)
        ceiling["rate"] *= BATCH_SIZE  # sentences per second
        rows.append(ceiling)
    rows += [server_rows[key] for key in sorted(server_rows, key=lambda k: (MODES.index(k[1]), k[0], k[2]))]

    print(f"\nserving speed: {args.preset}, one sentence per request, {os.cpu_count()} CPUs, "
          f"{args.seconds:g} s per configuration")
    print(f"{'configuration':<44} {'clients':>7} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'server CPU ms/req':>18}")
    for r in rows:
        print(
            f"{r['name']:<44} {r['clients']:>7} {r['requests']:>8} {r['rate']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
            f"{r['cpu_ms']:>18.3f}"
        )
    sequential = rows[0]
    print("\nratios")
    print(f"  direct calls of {BATCH_SIZE} sentences vs sequential direct single calls: "
          f"{ceiling['rate'] / sequential['rate']:.2f}x sentences/s (the most batching can give)")
    for mode in MODES[1:]:
        for protocol in sorted({key[0] for key in server_rows}):
            batched = server_rows[(protocol, mode, 32)]
            print(f"  {protocol}, {mode}, 32 clients vs sequential direct single calls: "
                  f"{batched['rate'] / sequential['rate']:.2f}x requests/s "
                  f"(server CPU {batched['cpu_ms']:.3f} ms per request)")
    if ("REST (wrk)", "batching", 32) in server_rows:
        batched = server_rows[("REST (wrk)", "batching", 32)]
        most = (os.cpu_count() or 1) / batched["cpu_ms"] * 1e3
        print(f"  server CPU per request, REST (wrk) with batching, 32 clients: {batched['cpu_ms']:.3f} ms, so even "
              f"with all {os.cpu_count()} CPUs to itself (no client, no idle time) the server answers at most "
              f"{most:.0f} requests/s = {most / sequential['rate']:.2f}x sequential direct single calls")
    print(f"  direct call at p50, structured signature(text=...) vs SignatureCall: "
          f"{overhead['direct, structured call']:.2f} ms vs {overhead['direct']:.2f} ms")
    for protocol in ("REST", "gRPC"):
        print(f"  serving overhead at p50, one request at a time, {protocol} (Python client): "
              f"{overhead[protocol] - overhead['direct']:+.2f} ms ({overhead[protocol]:.2f} ms served vs "
              f"{overhead['direct']:.2f} ms direct, the calls taking turns, {len(texts)} each)")


if __name__ == "__main__":
    main()
