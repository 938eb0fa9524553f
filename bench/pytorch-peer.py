#!/usr/bin/env python3
"""PyTorch peer of tfgym's compute bench (bench/pytorch-peer.ts runs it).

Reads one JSON object on stdin: {"workloads": [{"name", "spec" | "book" | "gemm", "reps", "warmup", "warmMs", "warmMaxRuns"}],
"threads": [1, 2]} and prints one JSON line per (workload, threads):
{"workload", "threads", "times": [ms...]}. The nets mirror bench/compute-workloads.ts exactly
(same layers, batch, optimizer, loss); PyTorch uses its native NCHW layout. Seeds are fixed.
"spec" is a NetSpec (a stack of layers, bench/compute-workloads.ts); "book" one of the
non-sequential nets of bench/book-nets.ts (skip-gram, WaveNet, DCGAN).
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Recurrent(nn.Module):
    """A batch-first nn.LSTM, nn.GRU or nn.RNN (tanh): the last step's output (Keras' default) or the sequence.

    The GRU is PyTorch's (reset gate applied after the recurrent matmul, Keras' reset_after=True),
    while tfjs' is Keras 2's reset_after=False (reset gate on h before the matmul): another variant
    with the same FLOPs, which is what the bench compares.
    """

    def __init__(self, cls, features, units, return_sequences=False):
        super().__init__()
        self.rnn = cls(features, units, batch_first=True)
        self.return_sequences = return_sequences

    def forward(self, x):
        out, _ = self.rnn(x)
        return out if self.return_sequences else out[:, -1]


class Repeat(nn.Module):
    """Keras' RepeatVector: [B, F] -> [B, n, F] (a copy, as tfjs' tile makes)."""

    def __init__(self, n):
        super().__init__()
        self.n = n

    def forward(self, x):
        return x.unsqueeze(1).repeat(1, self.n, 1)


def build(spec):
    layers = []
    c, h, w = (spec["input"][2], spec["input"][0], spec["input"][1]) if len(spec["input"]) == 3 else (None, None, None)
    features = spec["input"][0] if len(spec["input"]) == 1 else spec["input"][1] if len(spec["input"]) == 2 else None
    for l in spec["layers"]:
        if l["kind"] == "conv":
            pad = (l["kernel"] - 1) // 2 if l["padding"] == "same" else 0
            layers += [nn.Conv2d(c, l["filters"], l["kernel"], stride=l["stride"], padding=pad), nn.ReLU()]
            h = (h + 2 * pad - l["kernel"]) // l["stride"] + 1
            w = (w + 2 * pad - l["kernel"]) // l["stride"] + 1
            c = l["filters"]
        elif l["kind"] == "maxpool":
            layers.append(nn.MaxPool2d(l["size"]))
            h, w = h // l["size"], w // l["size"]
        elif l["kind"] == "flatten":
            layers.append(nn.Flatten())
            features = c * h * w
        elif l["kind"] == "embedding":
            layers.append(nn.Embedding(l["inputDim"], l["outputDim"]))
            features = l["outputDim"]
        elif l["kind"] == "lstm":
            layers.append(Recurrent(nn.LSTM, features, l["units"]))
            features = l["units"]
        elif l["kind"] == "simplernn":
            layers.append(Recurrent(nn.RNN, features, l["units"]))
            features = l["units"]
        elif l["kind"] == "gru":
            layers.append(Recurrent(nn.GRU, features, l["units"], l["returnSequences"]))
            features = l["units"]
        elif l["kind"] == "repeat":
            layers.append(Repeat(l["n"]))
        else:
            # dense and timedense: nn.Linear maps the last axis, so it is TimeDistributed as is. A
            # softmax is left to CrossEntropyLoss (it takes logits).
            layers.append(nn.Linear(features, l["units"]))
            features = l["units"]
            if l["activation"] == "relu":
                layers.append(nn.ReLU())
            elif l["activation"] == "sigmoid":
                layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def optimizer(name, params):
    if name == "adam":
        return torch.optim.Adam(params, 1e-3)
    if name == "rmsprop":
        # Keras' RMSprop defaults (rho 0.9, epsilon 1e-7); PyTorch's alpha is Keras' rho.
        return torch.optim.RMSprop(params, 1e-3, alpha=0.9, eps=1e-7)
    return torch.optim.SGD(params, 0.01)


def train_step_fn(spec):
    torch.manual_seed(7)
    model = build(spec)
    opt = optimizer(spec["optimizer"], model.parameters())
    shape = [spec["batch"]] + ([spec["input"][2], spec["input"][0], spec["input"][1]] if len(spec["input"]) == 3 else spec["input"])
    if "vocab" in spec:
        x = torch.randint(0, spec["vocab"], shape)
    elif "oneHot" in spec:
        x = F.one_hot(torch.randint(0, spec["oneHot"], shape[:-1]), spec["oneHot"]).float()
    else:
        x = torch.rand(shape) * 2 - 1
    out = spec["layers"][-1]["units"]
    lead = (spec["batch"], spec["outputSteps"]) if "outputSteps" in spec else (spec["batch"],)
    if spec["loss"] == "bce":
        y = torch.randint(0, 2, lead + (1,)).float()
        loss_fn = nn.BCELoss()
    elif spec["loss"] == "mse":
        y = torch.rand(lead + (out,)) * 2 - 1
        loss_fn = nn.MSELoss()
    else:
        # Class ids per sample (and per step): CrossEntropyLoss over flattened logits.
        y = torch.randint(0, out, lead).reshape(-1)
        ce = nn.CrossEntropyLoss()
        loss_fn = lambda pred, target: ce(pred.reshape(-1, out), target)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return step


class Skipgram(nn.Module):
    """Word and context embeddings, their dot product, Dense 1 sigmoid (bench/book-nets.ts)."""

    def __init__(self, vocab, dim):
        super().__init__()
        self.word = nn.Embedding(vocab, dim)
        self.context = nn.Embedding(vocab, dim)
        self.dense = nn.Linear(1, 1)

    def forward(self, w, c):
        dot = (self.word(w) * self.context(c)).sum(-1, keepdim=True)
        return torch.sigmoid(self.dense(dot))


def skipgram_fn(s):
    torch.manual_seed(7)
    model = Skipgram(s["vocab"], s["dim"])
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    w = torch.randint(0, s["vocab"], (s["batch"],))
    c = torch.randint(0, s["vocab"], (s["batch"],))
    y = torch.randint(0, 2, (s["batch"], 1)).float()
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(w, c), y)
        loss.backward()
        opt.step()
        loss.item()

    return step


class CausalConv(nn.Module):
    """Left-padded, dilated Conv1d of kernel 2 over [B, C, T]: output step t sees inputs up to t."""

    def __init__(self, cin, cout, dilation, bias):
        super().__init__()
        self.pad = dilation
        self.conv = nn.Conv1d(cin, cout, 2, dilation=dilation, bias=bias)

    def forward(self, x):
        return self.conv(F.pad(x, (self.pad, 0)))


class Wavenet(nn.Module):
    """bench/book-nets.ts' WaveNet, channels first: causal conv, gated stages, skips, two 1x1 convs (logits)."""

    def __init__(self, s):
        super().__init__()
        f, b = s["filters"], s["bins"]
        n = len(s["dilations"])
        self.initial = CausalConv(b, f, 1, True)
        self.tanh = nn.ModuleList([CausalConv(f, f, d, False) for d in s["dilations"]])
        self.sigm = nn.ModuleList([CausalConv(f, f, d, False) for d in s["dilations"]])
        # No residual conv after the last stage: its output would reach nothing (as in Keras' model).
        self.res = nn.ModuleList([nn.Conv1d(f, f, 1, bias=False) for _ in range(n - 1)])
        self.skip = nn.ModuleList([nn.Conv1d(f, f, 1, bias=False) for _ in range(n)])
        self.out1 = nn.Conv1d(f, b, 1)
        self.out2 = nn.Conv1d(b, b, 1)

    def forward(self, x):
        out = self.initial(x)
        skips = 0
        for i in range(len(self.tanh)):
            gate = torch.tanh(self.tanh[i](out)) * torch.sigmoid(self.sigm[i](out))
            if i < len(self.res):
                out = out + self.res[i](gate)
            skips = skips + self.skip[i](gate)
        return self.out2(torch.relu(self.out1(torch.relu(skips))))


def wavenet_fn(s):
    torch.manual_seed(7)
    model = Wavenet(s)
    opt = torch.optim.SGD(model.parameters(), 1e-3, momentum=0.9, nesterov=True)
    ids = torch.randint(0, s["bins"], (s["batch"], s["length"] + 1))
    x = F.one_hot(ids[:, :-1], s["bins"]).float().transpose(1, 2).contiguous()
    y = ids[:, 1:]
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return step


def dcgan_fn(s):
    """keras-dcgan's step: generator predict (BatchNorm in inference mode, as Keras' predict), the
    discriminator on 2B images, then the generator through the frozen discriminator."""
    torch.manual_seed(7)
    g = nn.Sequential(
        nn.Linear(s["latent"], 1024), nn.Tanh(),
        nn.Linear(1024, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7, eps=1e-3, momentum=0.01), nn.Tanh(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.Upsample(scale_factor=2), nn.Conv2d(128, 64, 5, padding=2), nn.Tanh(),
        nn.Upsample(scale_factor=2), nn.Conv2d(64, 1, 5, padding=2), nn.Tanh(),
    )
    d = nn.Sequential(
        nn.Conv2d(1, 64, 5, padding=2), nn.Tanh(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 5), nn.Tanh(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(5 * 5 * 128, 1024), nn.Tanh(), nn.Linear(1024, 1), nn.Sigmoid(),
    )
    d_opt = torch.optim.SGD(d.parameters(), 5e-4, momentum=0.9, nesterov=True)
    g_opt = torch.optim.SGD(g.parameters(), 5e-4, momentum=0.9, nesterov=True)
    b = s["batch"]
    real = torch.rand(b, 1, 28, 28) * 2 - 1
    noise_d = torch.rand(b, s["latent"]) * 2 - 1
    noise_g = torch.rand(b, s["latent"]) * 2 - 1
    y_d = torch.cat([torch.ones(b, 1), torch.zeros(b, 1)])
    y_g = torch.ones(b, 1)
    bce = nn.BCELoss()

    def step():
        g.eval()
        with torch.no_grad():
            generated = g(noise_d)
        g.train()
        d_opt.zero_grad(set_to_none=True)
        loss = bce(d(torch.cat([real, generated])), y_d)
        loss.backward()
        d_opt.step()
        loss.item()
        # Frozen discriminator: no gradients for its weights (Keras' combined model collects none).
        for p in d.parameters():
            p.requires_grad_(False)
        g_opt.zero_grad(set_to_none=True)
        loss = bce(d(g(noise_g)), y_g)
        loss.backward()
        g_opt.step()
        loss.item()
        for p in d.parameters():
            p.requires_grad_(True)

    return step


def book_fn(s):
    return {"skipgram": skipgram_fn, "wavenet": wavenet_fn, "dcgan": dcgan_fn}[s["net"]](s)


def gemm_fn(n):
    torch.manual_seed(n)
    a, b = torch.rand(n, n), torch.rand(n, n)
    return lambda: torch.mm(a, b)


def main():
    req = json.load(sys.stdin)
    for threads in req["threads"]:
        torch.set_num_threads(threads)
        for w in req["workloads"]:
            fn = gemm_fn(w["gemm"]) if "gemm" in w else book_fn(w["book"]) if "book" in w else train_step_fn(w["spec"])
            for _ in range(w["warmup"]):
                fn()
            # Then by time, as the tfjs side does (bench/harness.ts WARM_MS, WARM_MAX_RUNS).
            warm_start = time.perf_counter()
            for _ in range(w.get("warmMaxRuns", 200)):
                if (time.perf_counter() - warm_start) * 1000 >= w.get("warmMs", 0):
                    break
                fn()
            times = []
            for _ in range(w["reps"]):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"workload": w["name"], "threads": threads, "times": times, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
