"""
Reference for lab 001 (signal echoing), as the original runs it on PyTorch (CPU, float32): the
course's EchoData (its logic as LABS.md gives it: np.random.choice bits, np.roll echo, chunks of
BPTT_T), the seed's SimpleRNN / LongerRNN (nn.RNN relu, batch_first, + nn.Linear), BCEWithLogits,
RMSprop lr 0.001, batch 5, series 20 000, T = 20, and the seed's train() loop verbatim (hidden
detached between chunks, accuracy counted per chunk). Sections (training only, no test pass):
    echo3-4      echo 3, 4 units            (epochs=5 by default, as the lab)
    echo10-4     echo 10, 4 units           (epochs=1 by default; the lab runs 20)
    echo10-60    echo 10, 60 units
    echo10-6x60  echo 10, 6 layers x 60 units
    lstm16       echo 10, nn.LSTM 16 units  (the notebook's answer to the lab's last question)
    gru16        echo 10, nn.GRU 16 units
Run by bench/run.ts.
"""
import time

_t0 = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import common  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t0


class EchoData:
    def __init__(self, series_length, batch_size, echo_step, truncated_length):
        self.series_length = series_length
        self.truncated_length = truncated_length
        self.n_batches = series_length // truncated_length
        self.echo_step = echo_step
        self.batch_size = batch_size
        self.generate_new_series()
        self.prepare_batches()

    def __getitem__(self, index):
        if index == 0:
            self.generate_new_series()
            self.prepare_batches()
        return self.x_chunks[index], self.y_chunks[index]

    def __len__(self):
        return self.n_batches

    def generate_new_series(self):
        x = np.random.choice(2, size=(self.batch_size, self.series_length), p=[0.5, 0.5])
        y = np.roll(x, self.echo_step, axis=1)
        y[:, 0:self.echo_step] = 0
        self.x_batch, self.y_batch = x, y

    def prepare_batches(self):
        x = np.expand_dims(self.x_batch, axis=-1)
        y = np.expand_dims(self.y_batch, axis=-1)
        self.x_chunks = np.split(x, self.n_batches, axis=1)
        self.y_chunks = np.split(y, self.n_batches, axis=1)


class SimpleRNN(nn.Module):
    """The seed's SimpleRNN (layers=1) and LongerRNN (layers=6); cell='lstm'/'gru' for the answer."""

    def __init__(self, input_size, rnn_hidden_size, output_size, layers=1, cell="rnn"):
        super().__init__()
        if cell == "rnn":
            self.rnn = nn.RNN(input_size=input_size, hidden_size=rnn_hidden_size, num_layers=layers,
                              nonlinearity="relu", batch_first=True)
        elif cell == "lstm":
            self.rnn = nn.LSTM(input_size=input_size, hidden_size=rnn_hidden_size, num_layers=layers, batch_first=True)
        else:
            self.rnn = nn.GRU(input_size=input_size, hidden_size=rnn_hidden_size, num_layers=layers, batch_first=True)
        self.linear = nn.Linear(in_features=rnn_hidden_size, out_features=output_size)

    def forward(self, x, hidden):
        x, hidden = self.rnn(x, hidden)
        x = self.linear(x)
        return x, hidden


def detach_(hidden):
    if hidden is None:
        return
    for h in (hidden if isinstance(hidden, tuple) else (hidden,)):
        h.detach_()


def section(echo_step, h_units, layers=1, cell="rnn", default_epochs=1):
    def setup(opts):
        torch.manual_seed(1)
        np.random.seed(1)
        n_epochs = int(opts.get("epochs", default_epochs))
        series_length = int(opts.get("length", 20_000))
        train_data = EchoData(echo_step=echo_step, batch_size=5, series_length=series_length, truncated_length=20)
        train_size = len(train_data)
        device = torch.device("cpu")
        model = SimpleRNN(input_size=1, rnn_hidden_size=h_units, output_size=1, layers=layers, cell=cell)
        criterion = torch.nn.BCEWithLogitsLoss()
        optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001)

        def train(hidden):
            model.train()
            correct = 0
            for batch_idx in range(train_size):
                data, target = train_data[batch_idx]
                data, target = torch.from_numpy(data).float().to(device), torch.from_numpy(target).float().to(device)
                optimizer.zero_grad()
                detach_(hidden)
                logits, hidden = model(data, hidden)
                loss = criterion(logits, target)
                loss.backward()
                optimizer.step()
                pred = (torch.sigmoid(logits) > 0.5)
                correct += (pred == target.byte()).int().sum().item()
            return correct, loss.item(), hidden

        def work():
            hidden = None
            accuracy = []
            for _ in range(n_epochs):
                correct, loss, hidden = train(hidden)
                accuracy.append(float(correct) / train_size)
            return {"epochs": n_epochs, "chunks": train_size, "accuracy": accuracy, "lastLoss": loss}
        return work
    return setup


SECTIONS = {
    "echo3-4": section(3, 4, default_epochs=5),
    "echo10-4": section(10, 4),
    "echo10-60": section(10, 60),
    "echo10-6x60": section(10, 60, layers=6),
    "lstm16": section(10, 16, cell="lstm"),
    "gru16": section(10, 16, cell="gru"),
}

if __name__ == "__main__":
    common.run(SECTIONS, IMPORT_SECONDS)
