"""The PyTorch twin of engine/pretraining/transformer.py, for benchmarks/masked_lm.py only: run by
a Python that has torch (never a dependency of the project), on the batches and initial parameters
that benchmark wrote, one thread. Prints one JSON line: seconds, tokens, the losses of the steps.

    /path/to/torch/python benchmarks/masked_lm_torch.py BATCHES.npz
"""

from __future__ import annotations

import json
import math
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
NORM_EPSILON = 1e-5  # transformer.py's


def forward(p: dict, layers: int, heads: int, ids: torch.Tensor) -> torch.Tensor:
    """The same pre-layer-norm encoder as transformer.encode: its last layer's hidden states."""
    b, t = ids.shape
    d = p["embedding"].shape[1]
    x = p["embedding"][ids] + p["position"][:t]
    pad = (ids == 0)[:, None, None, :].to(x.dtype) * -1e9
    for layer in range(layers):
        q = f"{layer}."
        a = torch.nn.functional.layer_norm(x, (d,), p[q + "norm1.gain"], p[q + "norm1.bias"], NORM_EPSILON)
        qkv = a @ p[q + "qkv"] + p[q + "qkv.bias"]
        qs, ks, vs = (z.reshape(b, t, heads, d // heads).transpose(1, 2) for z in qkv.split(d, dim=-1))
        scores = qs @ ks.transpose(-1, -2) / math.sqrt(d // heads) + pad
        attended = (scores.softmax(-1) @ vs).transpose(1, 2).reshape(b, t, d)
        x = x + attended @ p[q + "out"] + p[q + "out.bias"]
        c = torch.nn.functional.layer_norm(x, (d,), p[q + "norm2.gain"], p[q + "norm2.bias"], NORM_EPSILON)
        u = torch.nn.functional.gelu(c @ p[q + "up"] + p[q + "up.bias"], approximate="tanh")
        x = x + u @ p[q + "down"] + p[q + "down.bias"]
    return torch.nn.functional.layer_norm(x, (d,), p["norm.gain"], p["norm.bias"], NORM_EPSILON)


def main() -> int:
    data = np.load(sys.argv[1])
    meta = json.loads(bytes(data["meta"]).decode())
    params = {name.removeprefix("param."): torch.tensor(data[name], requires_grad=True)
              for name in data.files if name.startswith("param.")}
    optimizer = torch.optim.Adam(params.values(), lr=meta["learning_rate"], eps=1e-8)
    steps = [(torch.tensor(data[f"inputs.{i}"], dtype=torch.long), torch.tensor(data[f"rows.{i}"], dtype=torch.long),
              torch.tensor(data[f"cols.{i}"], dtype=torch.long), torch.tensor(data[f"targets.{i}"], dtype=torch.long))
             for i in range(meta["steps"])]
    losses = []
    started = time.perf_counter()
    for inputs, rows, cols, targets in steps:
        optimizer.zero_grad(set_to_none=True)
        hidden = forward(params, meta["layers"], meta["heads"], inputs)[rows, cols]
        logits = hidden @ params["embedding"].T + params["output.bias"]
        loss = torch.nn.functional.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "losses": losses, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
