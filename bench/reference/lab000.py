"""
Reference for lab 000 (network convergence), as the original runs it on PyTorch (CPU, float32):
the seed's data generation and training loop (../../../shared/seeds/000_*.txt), with the SSNN
module written from its description in LABS.md (the seed imports it from a file not in the lab):
    x_k = A x_{k-1} + B u_k,  y_k = C x_k + D u_k,  x_0 = 0, parameters uniform in +-1/sqrt(x_len).
Sections (training only; the GIF is matplotlib in the original and is not timed here):
    sine       pure sine, 10 epochs   (epochs=N to change)
    harmonics  3 harmonics, 200 epochs
Each epoch: the seed's batches of 32 (with its last batch [k*32:-1]), det(O) logged per batch,
and the 90-step autoregressive roll-out after the epoch. Run by bench/run.ts.
"""
import sys
import time

_t0 = time.perf_counter()
import math  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import common  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t0


class SSNN(torch.nn.Module):
    def __init__(self, u_len, x_len, y_len):
        super().__init__()
        k = 1 / math.sqrt(x_len)
        self.x_len = x_len
        self.A = torch.nn.Parameter(torch.empty(x_len, x_len).uniform_(-k, k))
        self.B = torch.nn.Parameter(torch.empty(x_len, u_len).uniform_(-k, k))
        self.C = torch.nn.Parameter(torch.empty(y_len, x_len).uniform_(-k, k))
        self.D = torch.nn.Parameter(torch.empty(y_len, u_len).uniform_(-k, k))

    def forward(self, u, x0=None):
        batch, steps, _ = u.shape
        x = torch.zeros(batch, self.x_len) if x0 is None else x0
        ys = []
        for k in range(steps):
            uk = u[:, k, :]
            x = x @ self.A.T + uk @ self.B.T
            ys.append(x @ self.C.T + uk @ self.D.T)
        return torch.stack(ys, dim=1)


def observability(A, C):
    with torch.no_grad():
        O = torch.zeros(A.shape[0], C.shape[1])
        for row in range(len(O)):
            O[row] = torch.matmul(C, torch.linalg.matrix_power(A, row))
    return O


def generate_data(signal_len, step, window_len, amps, eval_len):
    def f(t):
        return sum(a * torch.sin(t / d) for a, d in amps)
    x_train = torch.arange(0, signal_len, step)
    x_train = x_train.unfold(0, window_len + 1, 1).unsqueeze(-1)
    y_train = x_train[:, -1, :]
    x_train = x_train[:, 0:-1, :]
    x_eval = torch.arange(signal_len, signal_len + eval_len * step, step).unsqueeze(-1).unsqueeze(0)
    return (f(x_train), f(y_train)), f(x_eval)


def experiment(signal_len, window_len, amps, default_epochs):
    def setup(opts):
        torch.manual_seed(0)
        np.random.seed(0)
        n_epochs = int(opts.get("epochs", default_epochs))
        eval_signal_len, plot_size, batch_size = 10, 100, 32
        (train_signal, train_target), eval_signal = generate_data(signal_len, 0.5, window_len, amps, eval_signal_len)
        model = SSNN(u_len=1, x_len=10, y_len=1)
        criterion = torch.nn.MSELoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

        def work():
            t_loss, t_plot, t_observability = [], [], []
            for epoch in range(n_epochs):
                batch = 0
                while batch < int(train_signal.shape[0] / batch_size):
                    optimizer.zero_grad()
                    outputs = model(train_signal[batch * batch_size:(batch + 1) * batch_size])[:, -1, :]
                    loss = criterion(outputs, train_target[batch * batch_size:(batch + 1) * batch_size])
                    t_loss.append(loss.item())
                    with torch.no_grad():
                        t_observability.append(torch.linalg.det(observability(model.A, model.C)).item())
                    loss.backward()
                    optimizer.step()
                    batch += 1
                # last batch (the seed's [k*32:-1])
                optimizer.zero_grad()
                outputs = model(train_signal[batch * batch_size:-1])[:, -1, :]
                loss = criterion(outputs, train_target[batch * batch_size:-1])
                t_loss.append(loss.item())
                with torch.no_grad():
                    t_observability.append(torch.linalg.det(observability(model.A, model.C)).item())
                loss.backward()
                optimizer.step()
                # eval per epoch: the autoregressive roll-out
                y_eval = eval_signal
                for t in range(plot_size - eval_signal_len):
                    with torch.no_grad():
                        y_eval = torch.cat((y_eval, model(y_eval[:, t:eval_signal_len + t, :])[:, -1, :].unsqueeze(-1)), dim=1)
                t_plot.append(y_eval.squeeze())
            return {"epochs": n_epochs, "batches": len(t_loss), "firstLoss": t_loss[0], "lastLoss": t_loss[-1]}
        return work
    return setup


SECTIONS = {
    "sine": experiment(200, 20, [(5, 1)], 10),
    "harmonics": experiment(400, 40, [(5, 1), (2, 3), (1, 5)], 200),
}

if __name__ == "__main__":
    common.run(SECTIONS, IMPORT_SECONDS)
