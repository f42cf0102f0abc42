"""The textbook recipe, the library against the textbook's NumPy code, each in its own process, taking turns.

Usage: python bench/textbook_speed.py [--rounds 3] [--epochs 3] [--steps-per-execution 1]

The recipe: peeky seq2seq on the addition task (45,000 training questions,
source reversed), embedding 16, hidden 128, batch 128, Adam with learning rate
0.001, clipping by the global norm at 5. Each round starts one process per
setup, one after the other (the order flips every round, so that neither
setup always runs first):

- `numpy`: `bench/textbook_numpy.py`, the book's NumPy style (see there), with
  NumPy's own number of BLAS threads; and again with one BLAS thread;
- `library, tensorflow` and `library, jax`: `ks.PeekySeq2Seq` with the
  default `compile()` (plus the optimizer above and `--steps-per-execution`)
  and `model.fit` on the arrays of `common.addition_arrays`, on each Keras
  backend (`KERAS_BACKEND` set for the process). Not PyTorch: there the library's
  eager steps train about half as fast as on TensorFlow (bench/backend_speed.py).

Each process trains `--epochs` epochs; the first is the warm-up (the library
compiles its XLA step in it) and is shown, not counted. The script prints every
process's per-epoch samples/s with the 1-minute load average before and after
the process, then per setup the median of the counted epochs and their
min-max spread, and each backend's ratio library/NumPy, NumPy being the faster
of its two settings: of the medians, and for every round (the goal is a ratio
of at least 1.5 in every round).

`--worker library` runs the library's process alone (what each round starts,
on the backend `KERAS_BACKEND` names); add `--keras-batching` to see the
epoch-start stalls the library had on TensorFlow before `models.array_batches`
(docs/textbook_speed.md).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# The NumPy code runs twice per round: with NumPy's own BLAS threads (as the book's reader runs it) and with one,
# which is much faster while other processes use the cores (BLAS threads that wait for each other each time one
# of them is descheduled); ratios are to the faster of the two.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
NUMPY_ONE_THREAD = "numpy, 1 BLAS thread"
EPOCH_LINE = re.compile(r"^epoch (\d+): ([\d.]+) s, (\d+) samples/s")
BACKEND_LINE = re.compile(r"^Keras backend: (\w+)$")
LIBRARY_BACKENDS = ("tensorflow", "jax")


def library_worker(epochs, steps_per_execution, keras_batching=False):
    """Trains the library's model for `epochs` epochs, printing lines like `textbook_numpy.py`'s.

    The first line names the Keras backend. Each epoch's line also gives the
    epoch's start stall: the seconds from the epoch's start to its first batch.
    `keras_batching=True` lets Keras batch the arrays (`keras.Model.fit`), as
    the library did before `models.array_batches`.
    """
    import keras

    import keras_seq2seq as ks
    from common import BATCH_SIZE, EMBEDDING_DIM, HIDDEN_DIM, addition_arrays
    from textbook_numpy import LEARNING_RATE, MAX_GRADIENT_NORM

    tokenizer, (x, y), _ = addition_arrays()
    model = ks.PeekySeq2Seq(
        tokenizer=tokenizer, embedding_dim=EMBEDDING_DIM, hidden_dim=HIDDEN_DIM,
        reverse_source=True, max_source_length=7, max_target_length=4,
    )
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE, global_clipnorm=MAX_GRADIENT_NORM),
                  steps_per_execution=steps_per_execution)
    print(f"Keras backend: {keras.backend.backend()}", flush=True)

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu_start = time.perf_counter(), time.process_time()

        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                self.stall = time.perf_counter() - self.start

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            cpu = time.process_time() - self.cpu_start
            print(
                f"epoch {epoch + 1}: {seconds:.2f} s, {len(y) / seconds:.0f} samples/s, loss {logs['loss']:.4f}, "
                f"exact match {logs['exact_match']:.1%}, start stall {self.stall:.2f} s, CPU {cpu / seconds:.2f} cores, "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )

    fit = keras.Model.fit if keras_batching else type(model).fit
    fit(model, x, y, batch_size=BATCH_SIZE, epochs=epochs, verbose=0, shuffle=True, callbacks=[EpochTimes()])


def run(command, environment):
    """Runs one setup's process; returns its per-epoch samples/s, the load before and after, and its lines."""
    load_before = os.getloadavg()[0]
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    load_after = os.getloadavg()[0]
    lines = [line for line in result.stdout.splitlines() if EPOCH_LINE.match(line)]
    backends = [match.group(1) for match in map(BACKEND_LINE.match, result.stdout.splitlines()) if match]
    if result.returncode or not lines:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    if "KERAS_BACKEND" in environment and backends != [environment["KERAS_BACKEND"]]:
        sys.exit(f"{' '.join(command)} ran on {backends}, not on {environment['KERAS_BACKEND']}")
    speeds = [float(EPOCH_LINE.match(line).group(3)) for line in lines]
    return speeds, load_before, load_after, lines


def spread(values):
    return f"median {statistics.median(values):,.0f}, min-max {min(values):,.0f}-{max(values):,.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="per process; the first is the warm-up")
    parser.add_argument("--steps-per-execution", type=int, default=1,
                        help="the library's compile(steps_per_execution=...): training steps per call")
    parser.add_argument("--worker", choices=["library"], help="run only the library's process, in this one")
    parser.add_argument("--keras-batching", action="store_true",
                        help="with --worker library: let Keras batch the arrays (the library before the fix)")
    arguments = parser.parse_args()
    if arguments.worker:
        return library_worker(arguments.epochs, arguments.steps_per_execution, arguments.keras_batching)
    if arguments.epochs < 2:
        parser.error("--epochs must be at least 2: the first is the warm-up")

    from textbook_numpy import addition_npz

    environment = {name: value for name, value in os.environ.items() if name != "KERAS_BACKEND"}  # set per setup
    environment["TF_CPP_MIN_LOG_LEVEL"] = "2"
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.dirname(HERE), os.environ.get("PYTHONPATH")]))
    libraries = [f"library, {backend}" for backend in LIBRARY_BACKENDS]
    counted = {setup: [] for setup in ["numpy", NUMPY_ONE_THREAD, *libraries]}
    per_round = {library: [] for library in libraries}
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "addition.npz")
        addition_npz(data)
        numpy_command = [sys.executable, os.path.join(HERE, "textbook_numpy.py"), "--epochs", str(arguments.epochs),
                         "--data", data]
        library_command = [sys.executable, os.path.abspath(__file__), "--worker", "library",
                           "--epochs", str(arguments.epochs), "--steps-per-execution", str(arguments.steps_per_execution)]
        setups = {  # name: (command, environment)
            "numpy": (numpy_command, environment),
            NUMPY_ONE_THREAD: (numpy_command, dict(environment, **{name: "1" for name in BLAS_THREADS})),
            **{f"library, {backend}": (library_command, dict(environment, KERAS_BACKEND=backend))
               for backend in LIBRARY_BACKENDS},
        }
        print(f"the library's steps_per_execution: {arguments.steps_per_execution}")
        print(f"{os.cpu_count()} CPUs, this process may run on {sorted(os.sched_getaffinity(0))}", flush=True)
        for round_number in range(1, arguments.rounds + 1):
            order = list(setups) if round_number % 2 else list(reversed(setups))
            medians = {}
            for setup in order:
                speeds, load_before, load_after, lines = run(*setups[setup])
                print(f"round {round_number}, {setup} (load {load_before:.2f} before, {load_after:.2f} after):")
                for line in lines:
                    print(f"    {line}")
                counted[setup] += speeds[1:]
                medians[setup] = statistics.median(speeds[1:])
                print(f"    samples/s after the warm-up: {spread(speeds[1:])}", flush=True)
            faster_numpy = max(medians["numpy"], medians[NUMPY_ONE_THREAD])
            for library in libraries:
                per_round[library].append(medians[library] / faster_numpy)
            ratios = ", ".join(f"{library} {per_round[library][-1]:.2f}x" for library in libraries)
            print(f"round {round_number}: library/NumPy (the faster NumPy setting): {ratios}", flush=True)

    print("\nsamples/s of the epochs after the warm-up, all rounds:")
    for setup, speeds in counted.items():
        print(f"  {setup:22s} {spread(speeds)} ({len(speeds)} epochs)")
    faster_numpy = max(statistics.median(counted["numpy"]), statistics.median(counted[NUMPY_ONE_THREAD]))
    for library in libraries:
        ratio = statistics.median(counted[library]) / faster_numpy
        rounds = per_round[library]
        print(f"{library}/NumPy: {ratio:.2f}x of the medians; per round {', '.join(f'{r:.2f}x' for r in rounds)}, "
              f"lowest {min(rounds):.2f}x (goal: at least 1.5x in every round)")


if __name__ == "__main__":
    main()
