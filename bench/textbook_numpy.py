"""The textbook's peeky seq2seq in plain NumPy: the baseline `bench/textbook_speed.py` races the library against.

Usage: python bench/textbook_numpy.py [--epochs 3] [--seed 0] [--data arrays.npz]

Written for this project in the style of chapter 7 of Saito, "Deep Learning
from Scratch 2" (layers with `forward`/`backward`, a Time-LSTM that loops over
the steps in Python, Adam, clipping by the global gradient norm), not copied
from it. The recipe is the book's: embedding 16, hidden 128, batch 128, Adam
with learning rate 0.001, clipping at 5, float32, the source reversed, and the
peeky decoder, which concatenates the encoder's last `h` to every decoder
step's LSTM input and affine input, and starts its LSTM from that `h` (cell 0).

The data are the library's own addition arrays (`common.addition_arrays`: the
same 45,000 training questions and 5,000 held-out ones). As in the book, the
padding id is an ordinary token (no mask: the loss covers every position), and
reversal flips the whole padded row. Each epoch, as the book's trainer does,
shuffles and trains `45000 // 128` whole batches; the few questions left over
are not trained. It prints one line per epoch: seconds, samples/s (the
questions trained over the epoch's training time; scoring the held-out
questions is not timed), mean loss, held-out exact match, and the 1-minute load
average.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

EMBEDDING_DIM, HIDDEN_DIM, BATCH_SIZE = 16, 128, 128
LEARNING_RATE, MAX_GRADIENT_NORM = 0.001, 5.0


class Embedding:
    """Rows of `weight` picked by id; `[batch, steps]` ids to `[batch, steps, dim]`."""

    def __init__(self, weight):
        self.params = [weight]
        self.grads = [np.zeros_like(weight)]

    def forward(self, ids):
        self.ids = ids
        return self.params[0][ids]

    def backward(self, upstream):
        grad = self.grads[0]
        grad[...] = 0
        np.add.at(grad, self.ids.ravel(), upstream.reshape(-1, grad.shape[1]))


class TimeLSTM:
    """An LSTM over `[batch, steps, features]`, one Python iteration per step, as the book writes it.

    Gates are laid out as (forget, candidate, input, output) in the columns of
    `input_weight` `[features, 4H]`, `recurrent_weight` `[H, 4H]` and `bias` `[4H]`.
    `forward(xs, h0)` starts from `h0` (zeros when None) and a cell of zeros, and
    returns every step's `h`; `backward` returns the gradient of `xs` and of `h0`.
    """

    def __init__(self, input_weight, recurrent_weight, bias):
        self.params = [input_weight, recurrent_weight, bias]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, xs, h0=None):
        batch, steps, _ = xs.shape
        wx, wh, b = self.params
        hidden = wh.shape[0]
        h = np.zeros((batch, hidden), xs.dtype) if h0 is None else h0
        c = np.zeros((batch, hidden), xs.dtype)
        hs = np.empty((batch, steps, hidden), xs.dtype)
        self.xs, self.caches = xs, []
        for t in range(steps):
            a = xs[:, t] @ wx + h @ wh + b
            f, g, i, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
            f, i, o = sigmoid(f), sigmoid(i), sigmoid(o)
            g = np.tanh(g)
            c_next = f * c + g * i
            tanh_c = np.tanh(c_next)
            h_next = o * tanh_c
            self.caches.append((h, c, f, g, i, o, tanh_c))
            h, c = h_next, c_next
            hs[:, t] = h
        return hs

    def backward(self, dhs):
        wx, wh, _ = self.params
        for grad in self.grads:
            grad[...] = 0
        dxs = np.empty_like(self.xs)
        dh = np.zeros_like(dhs[:, 0])
        dc = np.zeros_like(dh)
        for t in reversed(range(dhs.shape[1])):
            h_prev, c_prev, f, g, i, o, tanh_c = self.caches[t]
            dh = dh + dhs[:, t]
            ds = dc + dh * o * (1 - tanh_c**2)
            da = np.hstack((
                ds * c_prev * f * (1 - f),
                ds * i * (1 - g**2),
                ds * g * i * (1 - i),
                dh * tanh_c * o * (1 - o),
            ))
            self.grads[0] += self.xs[:, t].T @ da
            self.grads[1] += h_prev.T @ da
            self.grads[2] += da.sum(axis=0)
            dxs[:, t] = da @ wx.T
            dh = da @ wh.T
            dc = ds * f
        return dxs, dh


class TimeAffine:
    """`[batch, steps, features] @ weight + bias`, all steps in one product."""

    def __init__(self, weight, bias):
        self.params = [weight, bias]
        self.grads = [np.zeros_like(weight), np.zeros_like(bias)]

    def forward(self, xs):
        self.xs = xs
        return xs @ self.params[0] + self.params[1]

    def backward(self, upstream):
        features = self.xs.shape[-1]
        flat_upstream = upstream.reshape(-1, upstream.shape[-1])
        self.grads[0][...] = self.xs.reshape(-1, features).T @ flat_upstream
        self.grads[1][...] = flat_upstream.sum(axis=0)
        return upstream @ self.params[0].T


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy over every position, and its gradient with respect to `logits`."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probabilities = np.exp(shifted)
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    flat = probabilities.reshape(-1, probabilities.shape[-1])
    rows = np.arange(flat.shape[0])
    picked = flat[rows, targets.ravel()]
    loss = -np.mean(np.log(picked + 1e-7))
    flat[rows, targets.ravel()] -= 1
    return loss, probabilities / flat.shape[0]


class PeekySeq2Seq:
    """Encoder (embedding, LSTM from zeros) and peeky decoder (embedding, LSTM, affine).

    `loss(source_ids, decoder_ids, targets)` runs the forward pass; `backward()`
    then fills `grads`, parallel to `params`. `generate` decodes greedily.

    Example:
    >>> model = PeekySeq2Seq(vocabulary_size=6, embedding_dim=3, hidden_dim=4)
    >>> ids = np.array([[1, 2, 3], [3, 4, 5]])
    >>> loss = model.loss(ids, ids[:, :2], ids[:, 1:])
    >>> bool(abs(loss - np.log(6)) < 0.1)  # untrained: near-uniform answers
    True
    >>> model.generate(ids, start_id=1, steps=2).shape
    (2, 2)
    """

    def __init__(self, vocabulary_size, embedding_dim=EMBEDDING_DIM, hidden_dim=HIDDEN_DIM, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        v, d, h = vocabulary_size, embedding_dim, hidden_dim

        def normal(rows, columns, scale):
            return (rng.standard_normal((rows, columns)) * scale).astype(dtype)

        def zeros(size):
            return np.zeros(size, dtype)

        self.hidden_dim = h
        self.encoder_embedding = Embedding(normal(v, d, 0.01))
        self.encoder_lstm = TimeLSTM(normal(d, 4 * h, d**-0.5), normal(h, 4 * h, h**-0.5), zeros(4 * h))
        self.decoder_embedding = Embedding(normal(v, d, 0.01))
        self.decoder_lstm = TimeLSTM(normal(h + d, 4 * h, (h + d) ** -0.5), normal(h, 4 * h, h**-0.5), zeros(4 * h))
        self.affine = TimeAffine(normal(2 * h, v, (2 * h) ** -0.5), zeros(v))
        self.layers = [self.encoder_embedding, self.encoder_lstm, self.decoder_embedding, self.decoder_lstm, self.affine]
        self.params = [p for layer in self.layers for p in layer.params]
        self.grads = [g for layer in self.layers for g in layer.grads]

    def encode(self, source_ids):
        """The encoder's last `h`, `[batch, hidden]`."""
        return self.encoder_lstm.forward(self.encoder_embedding.forward(source_ids))[:, -1]

    def loss(self, source_ids, decoder_ids, targets):
        h = self.encode(source_ids)
        steps = decoder_ids.shape[1]
        context = np.repeat(h[:, None], steps, axis=1)
        lstm_inputs = np.concatenate((context, self.decoder_embedding.forward(decoder_ids)), axis=2)
        outputs = self.decoder_lstm.forward(lstm_inputs, h)
        logits = self.affine.forward(np.concatenate((context, outputs), axis=2))
        loss, self.dlogits = softmax_cross_entropy(logits, targets)
        return loss

    def backward(self):
        h = self.hidden_dim
        daffine = self.affine.backward(self.dlogits)
        dlstm_inputs, dh = self.decoder_lstm.backward(daffine[:, :, h:])
        self.decoder_embedding.backward(dlstm_inputs[:, :, h:])
        # The context reached the decoder three ways: its first state, every LSTM input, every affine input.
        dh = dh + daffine[:, :, :h].sum(axis=1) + dlstm_inputs[:, :, :h].sum(axis=1)
        batch, steps, _ = self.encoder_lstm.xs.shape
        dencoder = np.zeros((batch, steps, h), dh.dtype)  # only the last step's h went on
        dencoder[:, -1] = dh
        dembedded, _ = self.encoder_lstm.backward(dencoder)
        self.encoder_embedding.backward(dembedded)

    def generate(self, source_ids, start_id, steps):
        """Greedy answers `[batch, steps]`: each step feeds the previous step's most likely id."""
        h = self.encode(source_ids)
        wx, wh, b = self.decoder_lstm.params
        weight, bias = self.affine.params
        state, cell = h, np.zeros_like(h)
        ids = np.full(len(source_ids), start_id)
        answers = []
        for _ in range(steps):
            x = np.concatenate((h, self.decoder_embedding.params[0][ids]), axis=1)
            state, cell = lstm_step(x @ wx + state @ wh + b, cell)
            ids = (np.concatenate((h, state), axis=1) @ weight + bias).argmax(axis=1)
            answers.append(ids)
        return np.stack(answers, axis=1)


def lstm_step(a, c):
    """One step from the gate pre-activations `a` (forget, candidate, input, output) and the cell `c`."""
    f, g, i, o = np.split(a, 4, axis=1)
    c = sigmoid(f) * c + np.tanh(g) * sigmoid(i)
    return sigmoid(o) * np.tanh(c), c


class Adam:
    """Adam as Keras and the book define it (bias-corrected step size, epsilon 1e-7)."""

    def __init__(self, learning_rate=LEARNING_RATE, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.iterations, self.moments = 0, None

    def update(self, params, grads):
        if self.moments is None:
            self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.iterations += 1
        t = self.iterations
        # A Python float: a NumPy float64 scalar would turn the float32 updates into float64 ones.
        step_size = float(self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t))
        for param, grad, (m, v) in zip(params, grads, self.moments):
            m += (1 - self.beta_1) * (grad - m)
            v += (1 - self.beta_2) * (grad**2 - v)
            param -= step_size * m / (np.sqrt(v) + self.epsilon)


def clip_by_global_norm(grads, max_norm=MAX_GRADIENT_NORM):
    """Scales every gradient in place so that their joint L2 norm is at most `max_norm`."""
    norm = np.sqrt(sum(float(np.sum(g**2)) for g in grads))
    if norm > max_norm:
        for grad in grads:
            grad *= max_norm / (norm + 1e-6)


def textbook_arrays(source_ids, decoder_ids, targets):
    """The library's right-padded arrays as the book feeds them: the whole padded source row reversed."""
    return source_ids[:, ::-1].copy(), decoder_ids, targets


def exact_match(model, source_ids, decoder_ids, targets):
    """Share of the questions whose greedy answer equals the target row at every position."""
    answers = model.generate(source_ids, start_id=int(decoder_ids[0, 0]), steps=targets.shape[1])
    return float(np.mean(np.all(answers == targets, axis=1)))


def addition_npz(path):
    """Writes the library's addition arrays (`common.addition_arrays`) to `path` for `train(data=path)`."""
    from common import addition_arrays

    tokenizer, (x, y), (held_x, held_y) = addition_arrays()
    np.savez(path, vocabulary_size=tokenizer.vocabulary_size, source_ids=x["source_ids"],
             decoder_ids=x["decoder_ids"], targets=y, held_source_ids=held_x["source_ids"],
             held_decoder_ids=held_x["decoder_ids"], held_targets=held_y)


def train(epochs, seed=0, data=None):
    """Trains `epochs` epochs, printing a line per epoch; `data` is a file from `addition_npz`.

    Without `data` the arrays are made here, which imports the library (and
    TensorFlow) into this process; `textbook_speed.py` passes a file instead,
    so that the NumPy process loads nothing else.
    """
    if data is None:
        with tempfile.TemporaryDirectory() as folder:
            data = os.path.join(folder, "addition.npz")
            addition_npz(data)
            arrays = dict(np.load(data))
    else:
        arrays = dict(np.load(data))
    source, decoder_in, targets = textbook_arrays(arrays["source_ids"], arrays["decoder_ids"], arrays["targets"])
    held_out = textbook_arrays(arrays["held_source_ids"], arrays["held_decoder_ids"], arrays["held_targets"])
    model = PeekySeq2Seq(int(arrays["vocabulary_size"]), seed=seed)
    optimizer = Adam()
    rng = np.random.default_rng(seed)
    batches = len(targets) // BATCH_SIZE
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(targets))
        losses = []
        start, cpu_start = time.perf_counter(), time.process_time()
        for batch in range(batches):
            rows = order[batch * BATCH_SIZE : (batch + 1) * BATCH_SIZE]
            losses.append(model.loss(source[rows], decoder_in[rows], targets[rows]))
            model.backward()
            clip_by_global_norm(model.grads)
            optimizer.update(model.params, model.grads)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        samples = batches * BATCH_SIZE
        print(
            f"epoch {epoch}: {seconds:.2f} s, {samples / seconds:.0f} samples/s, loss {np.mean(losses):.4f}, "
            f"held-out exact match {exact_match(model, *held_out):.1%}, CPU {cpu / seconds:.2f} cores, load {os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="an .npz of the arrays (from addition_npz); default: make them here")
    arguments = parser.parse_args()
    train(arguments.epochs, arguments.seed, arguments.data)
