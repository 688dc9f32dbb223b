"""
Reference for lab 002 (BPTT from scratch on ECG5000) in NumPy (float64), doing the same work as
the library's VanillaRnn (src/models/vanilla-rnn.ts) with a CORRECT BPTT (the original's backward
is wrong; see the notebook): z_t = x_t W_in + h_{t-1} W_hh (+ b_h), h_t = tanh z_t, h_0 = 0,
y = h_T W_out (+ b_out), L = 1/(2N) sum ||y - t||^2, one backward sweep through time; SGD with
momentum and weight decay (PyTorch's semantics) after clipping the global gradient norm.
Data as the original: trains on the 4,500-row file, tests on the 500-row one; inputs (140, N, 1).
Sections:
    full-batch   one full-batch epoch: forward + backward on 4500 x 140, hidden 100, one update
                 (lr 0.01, momentum 0.9, reg 1e-4, clip 0.8)  (epochs=N to change)
    minibatch    one epoch of the notebook's "going further": biased net, shuffled mini-batches
                 of 32 (141 updates, lr 0.05, momentum 0.9, wd 1e-4, clip 1), then the test set
                 (500) evaluated, as the notebook does after every epoch
Run by bench/run.ts.
"""
import os
import time

_t0 = time.perf_counter()
import gzip  # noqa: E402

import numpy as np  # noqa: E402

import common  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t0
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "ECG5000")


def load_data(train):
    """The original's load_data: X (140, N, 1) time-major, one-hot Y (N, 5)."""
    name = "TRAIN" if train else "TEST"
    with gzip.open(os.path.join(DATA, f"ECG5000_{name}.txt.gz"), "rt") as f:
        data = np.loadtxt(f)
    X = np.expand_dims(data[:, 1:].T, -1)
    Y = data[:, 0].astype(int) - 1
    one_hot = np.zeros((Y.shape[0], 5))
    one_hot[np.arange(Y.shape[0]), Y] = 1
    return np.ascontiguousarray(X), one_hot


class VanillaRNN:
    def __init__(self, input_size, hidden_size, output_size, bias=False, seed=0):
        rng = np.random.RandomState(seed)
        k = 1 / np.sqrt(hidden_size)
        self.p = {
            "wIn": rng.uniform(-k, k, (input_size, hidden_size)),
            "wHh": rng.uniform(-k, k, (hidden_size, hidden_size)),
            "wOut": rng.uniform(-k, k, (hidden_size, output_size)),
        }
        if bias:
            self.p["bH"] = rng.uniform(-k, k, hidden_size)
            self.p["bOut"] = rng.uniform(-k, k, output_size)

    def forward(self, X, keep=False):
        p = self.p
        T, N, _ = X.shape
        H = p["wHh"].shape[0]
        h = np.zeros((N, H))
        hs = np.empty((T + 1, N, H)) if keep else None
        if keep:
            hs[0] = h
        for t in range(T):
            z = X[t] @ p["wIn"] + h @ p["wHh"]
            if "bH" in p:
                z += p["bH"]
            h = np.tanh(z)
            if keep:
                hs[t + 1] = h
        y = h @ p["wOut"]
        if "bOut" in p:
            y = y + p["bOut"]
        return y, hs

    def loss_and_gradients(self, X, Y):
        p = self.p
        T, N, _ = X.shape
        y, hs = self.forward(X, keep=True)
        loss = ((y - Y) ** 2).sum() / (2 * N)
        dy = (y - Y) / N                                  # dL/dy
        g = {"wOut": hs[T].T @ dy}                        # dL/dW_out = h_T^T dy
        if "bOut" in p:
            g["bOut"] = dy.sum(0)
        dh = dy @ p["wOut"].T                             # dL/dh_T
        gIn = np.zeros_like(p["wIn"])
        gHh = np.zeros_like(p["wHh"])
        gB = np.zeros(p["wHh"].shape[0])
        wHhT = p["wHh"].T
        for t in range(T, 0, -1):
            dz = dh * (1 - hs[t] ** 2)                    # through tanh
            gIn += X[t - 1].T @ dz                        # dL/dW_in  += x_t^T dz_t
            gHh += hs[t - 1].T @ dz                       # dL/dW_hh  += h_{t-1}^T dz_t
            if "bH" in p:
                gB += dz.sum(0)
            dh = dz @ wHhT                                # dL/dh_{t-1}
        g["wIn"], g["wHh"] = gIn, gHh
        if "bH" in p:
            g["bH"] = gB
        correct = int((y.argmax(-1) == Y.argmax(-1)).sum())
        return loss, g, correct


class Sgd:
    """torch.optim.SGD(momentum, weight_decay) after clip_grad_norm_ (as lab.train + lab.Sgd)."""

    def __init__(self, lr, momentum, weight_decay, clip):
        self.lr, self.momentum, self.wd, self.clip = lr, momentum, weight_decay, clip
        self.v = {}

    def step(self, params, grads):
        norm = np.sqrt(sum((g ** 2).sum() for g in grads.values()))
        scale = self.clip / (norm + 1e-6) if norm > self.clip else 1.0
        for k, w in params.items():
            g = grads[k] * scale + self.wd * w
            v = self.v[k] = self.momentum * self.v.get(k, 0) + g
            w -= self.lr * v


def full_batch(opts):
    epochs = int(opts.get("epochs", 1))
    X, Y = load_data(train=False)   # the 4,500-row file, as the original
    model = VanillaRNN(1, 100, 5)
    opt = Sgd(0.01, 0.9, 1e-4, 0.8)

    def work():
        for _ in range(epochs):
            loss, g, correct = model.loss_and_gradients(X, Y)
            opt.step(model.p, g)
        return {"epochs": epochs, "N": X.shape[1], "T": X.shape[0], "loss": loss, "accuracy": correct / X.shape[1]}
    return work


def minibatch(opts):
    epochs = int(opts.get("epochs", 1))
    X, Y = load_data(train=False)
    Xt, Yt = load_data(train=True)  # the 500-row file: the original's test set
    model = VanillaRNN(1, 100, 5, bias=True)
    opt = Sgd(0.05, 0.9, 1e-4, 1.0)
    rng = np.random.RandomState(0)

    def work():
        n = X.shape[1]
        for _ in range(epochs):
            order = rng.permutation(n)
            steps = 0
            for b in range(0, n, 32):
                rows = order[b:b + 32]
                loss, g, correct = model.loss_and_gradients(X[:, rows, :], Y[rows])
                opt.step(model.p, g)
                steps += 1
            y, _ = model.forward(Xt)
            test_loss = ((y - Yt) ** 2).sum() / (2 * Yt.shape[0])
            test_acc = float((y.argmax(-1) == Yt.argmax(-1)).mean())
        return {"epochs": epochs, "steps": steps, "testLoss": test_loss, "testAccuracy": test_acc}
    return work


SECTIONS = {"full-batch": full_batch, "minibatch": minibatch}

if __name__ == "__main__":
    common.run(SECTIONS, IMPORT_SECONDS)
