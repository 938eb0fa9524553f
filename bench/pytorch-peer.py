#!/usr/bin/env python3
"""PyTorch peer of tfgym's compute bench (bench/pytorch-peer.ts runs it).

Reads one JSON object on stdin: {"workloads": [{"name", "spec" | "gemm", "reps", "warmup"}],
"threads": [1, 2]} and prints one JSON line per (workload, threads):
{"workload", "threads", "times": [ms...]}. The nets mirror bench/compute-workloads.ts exactly
(same layers, batch, optimizer, loss); PyTorch uses its native NCHW layout. Seeds are fixed.
"""
import json
import sys
import time

import torch
from torch import nn


class LastOutputLSTM(nn.Module):
    """nn.LSTM over a batch-first sequence, returning the last step's output (Keras' LSTM default)."""

    def __init__(self, features, units):
        super().__init__()
        self.lstm = nn.LSTM(features, units, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[:, -1]


def build(spec):
    layers = []
    c, h, w = (spec["input"][2], spec["input"][0], spec["input"][1]) if len(spec["input"]) == 3 else (None, None, None)
    features = spec["input"][0] if len(spec["input"]) == 1 else None
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
            layers.append(LastOutputLSTM(features, l["units"]))
            features = l["units"]
        else:
            layers.append(nn.Linear(features, l["units"]))
            features = l["units"]
            if l["activation"] == "relu":
                layers.append(nn.ReLU())
            elif l["activation"] == "sigmoid":
                layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def train_step_fn(spec):
    torch.manual_seed(7)
    model = build(spec)
    opt = torch.optim.Adam(model.parameters(), 1e-3) if spec["optimizer"] == "adam" else torch.optim.SGD(model.parameters(), 0.01)
    shape = [spec["batch"]] + ([spec["input"][2], spec["input"][0], spec["input"][1]] if len(spec["input"]) == 3 else spec["input"])
    x = torch.randint(0, spec["vocab"], shape) if "vocab" in spec else torch.rand(shape) * 2 - 1
    out = spec["layers"][-1]["units"]
    if spec["loss"] == "bce":
        y = torch.randint(0, 2, (spec["batch"], 1)).float()
        loss_fn = nn.BCELoss()
    elif spec["loss"] == "mse":
        y = torch.rand(spec["batch"], out) * 2 - 1
        loss_fn = nn.MSELoss()
    else:
        y = torch.randint(0, out, (spec["batch"],))
        loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return step


def gemm_fn(n):
    torch.manual_seed(n)
    a, b = torch.rand(n, n), torch.rand(n, n)
    return lambda: torch.mm(a, b)


def main():
    req = json.load(sys.stdin)
    for threads in req["threads"]:
        torch.set_num_threads(threads)
        for w in req["workloads"]:
            fn = gemm_fn(w["gemm"]) if "gemm" in w else train_step_fn(w["spec"])
            for _ in range(w["warmup"]):
                fn()
            times = []
            for _ in range(w["reps"]):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"workload": w["name"], "threads": threads, "times": times, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
