"""
Reference for labs 003 and 004 (the two-weight linear RNN), the seeds' NumPy code as written
(../../../shared/seeds/003_*.txt, 004_*.txt): forward_states, loss, backward_gradient,
get_loss_surface, update_rprop. Sections:
    003-surface   lab 003's loss-surface figure: [-3, 3]^2 and [-0.1, 2.1]^2, 100 x 100 each
    003-rprop     lab 003's RProp loop: from (-2, 2), step 0.003, 300 iterations
    004-surface   lab 004's first figure: the same two grids, 50 x 50 each
    004-rprop     lab 004's RProp loop: from (-1.5, 2), step 0.001, 500 iterations
Run by bench/run.ts.
"""
import time

_t0 = time.perf_counter()
import numpy as np  # noqa: E402

import common  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t0


def data_003():
    np.random.seed(seed=1)
    X = np.zeros((20, 10))
    for row in range(20):
        X[row, :] = np.around(np.random.rand(10)).astype(int)
    return X, np.sum(X, axis=1)


def data_004():
    np.random.seed(seed=61185)
    X = np.random.uniform(size=(30, 20))
    X = np.ceil(X * 3) / 3
    X = np.round(X, 2)
    X[X == 0.67] = 0.66
    return X, np.sum(X, axis=1)


def update_state(xk, sk, wx, wRec):
    return xk * wx + sk * wRec


def forward_states(X, wx, wRec):
    S = np.zeros((X.shape[0], X.shape[1] + 1))
    for k in range(0, X.shape[1]):
        S[:, k + 1] = update_state(X[:, k], S[:, k], wx, wRec)
    return S


def loss(y, t):
    return np.mean((t - y) ** 2)


def output_gradient(y, t):
    return 2. * (y - t)


def backward_gradient(X, S, grad_out, wRec):
    grad_over_time = np.zeros((X.shape[0], X.shape[1] + 1))
    grad_over_time[:, -1] = grad_out
    wx_grad = 0
    wRec_grad = 0
    for k in range(X.shape[1], 0, -1):
        wx_grad += np.sum(np.mean(grad_over_time[:, k] * X[:, k - 1], axis=0))
        wRec_grad += np.sum(np.mean(grad_over_time[:, k] * S[:, k - 1]), axis=0)
        grad_over_time[:, k - 1] = grad_over_time[:, k] * wRec
    return (wx_grad, wRec_grad), grad_over_time


def get_loss_surface(w1_low, w1_high, w2_low, w2_high, nb_of_ws, loss_func):
    w1 = np.linspace(w1_low, w1_high, num=nb_of_ws)
    w2 = np.linspace(w2_low, w2_high, num=nb_of_ws)
    ws1, ws2 = np.meshgrid(w1, w2)
    loss_ws = np.zeros((nb_of_ws, nb_of_ws))
    for i in range(nb_of_ws):
        for j in range(nb_of_ws):
            loss_ws[i, j] = loss_func(ws1[i, j], ws2[i, j])
    return ws1, ws2, loss_ws


def update_rprop(X, t, W, W_prev_sign, W_delta, eta_p, eta_n):
    S = forward_states(X, W[0], W[1])
    grad_out = output_gradient(S[:, -1], t)
    W_grads, _ = backward_gradient(X, S, grad_out, W[1])
    W_sign = np.sign(W_grads)
    for i, _ in enumerate(W):
        if W_sign[i] == W_prev_sign[i]:
            W_delta[i] *= eta_p
        else:
            W_delta[i] *= eta_n
    return W_delta, W_sign


def surface(data, n):
    def setup(opts):
        X, t = data()
        grid = int(opts.get("grid", n))

        def work():
            loss_func = lambda w1, w2: loss(forward_states(X, w1, w2)[:, -1], t)  # noqa: E731
            _, _, a = get_loss_surface(-3, 3, -3, 3, grid, loss_func)
            _, _, b = get_loss_surface(-0.1, 2.1, -0.1, 2.1, grid, loss_func)
            return {"grid": grid, "maxLossPlusOne": float(a.max() + 1), "zoomMin": float(b.min())}
        return work
    return setup


def rprop(data, W0, delta, sign0, iters):
    def setup(opts):
        X, t = data()

        def work():
            eta_p, eta_n = 1.2, 0.5
            W = list(W0)
            W_delta = [delta, delta]
            W_sign = list(sign0)
            ls_of_ws = [(W[0], W[1])]
            for _ in range(iters):
                W_delta, W_sign = update_rprop(X, t, W, W_sign, W_delta, eta_p, eta_n)
                for i, _ in enumerate(W):
                    W[i] -= W_sign[i] * W_delta[i]
                ls_of_ws.append((W[0], W[1]))
            return {"iterations": iters, "wx": float(W[0]), "wRec": float(W[1])}
        return work
    return setup


SECTIONS = {
    "003-surface": surface(data_003, 100),
    "003-rprop": rprop(data_003, (-2, 2), 0.003, (-1, 1), 300),
    "004-surface": surface(data_004, 50),
    "004-rprop": rprop(data_004, (-1.5, 2), 0.001, (0, 0), 500),
}

if __name__ == "__main__":
    common.run(SECTIONS, IMPORT_SECONDS)
