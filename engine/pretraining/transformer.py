"""A small transformer encoder in numpy: its parameters, its forward pass and its backward pass
written by hand (checked against finite differences in tests/test_masked_lm.py).

Pre-layer-norm blocks (as GPT-2 and most small encoders since): x + attention(norm(x)), then
x + feed-forward(norm(x)), a last norm, and the output projection tied to the input embeddings
(the same matrix reads a word in and scores it out, fewer parameters to learn from little text)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NORM_EPSILON = 1e-5
GELU_C = float(np.sqrt(2.0 / np.pi))  # GELU's tanh approximation (Hendrycks and Gimpel)
INIT_SCALE = 0.02  # the standard deviation of the initial weights, BERT's


@dataclass(frozen=True)
class Shape:
    vocabulary: int  # with the special tokens
    max_length: int
    dim: int
    heads: int
    hidden: int
    layers: int


def initial_parameters(shape: Shape, rng: np.random.Generator, dtype=np.float32) -> dict[str, np.ndarray]:
    d, f = shape.dim, shape.hidden

    def normal(*size):
        return (rng.standard_normal(size) * INIT_SCALE).astype(dtype)

    params = {"embedding": normal(shape.vocabulary, d), "position": normal(shape.max_length, d)}
    for layer in range(shape.layers):
        params |= {
            f"{layer}.norm1.gain": np.ones(d, dtype), f"{layer}.norm1.bias": np.zeros(d, dtype),
            f"{layer}.qkv": normal(d, 3 * d), f"{layer}.qkv.bias": np.zeros(3 * d, dtype),
            f"{layer}.out": normal(d, d), f"{layer}.out.bias": np.zeros(d, dtype),
            f"{layer}.norm2.gain": np.ones(d, dtype), f"{layer}.norm2.bias": np.zeros(d, dtype),
            f"{layer}.up": normal(d, f), f"{layer}.up.bias": np.zeros(f, dtype),
            f"{layer}.down": normal(f, d), f"{layer}.down.bias": np.zeros(d, dtype),
        }
    params |= {"norm.gain": np.ones(d, dtype), "norm.bias": np.zeros(d, dtype),
               "output.bias": np.zeros(shape.vocabulary, dtype)}
    return params


def _norm(x, gain, bias):
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    inv_std = 1.0 / np.sqrt((centred * centred).mean(-1, keepdims=True) + NORM_EPSILON)
    normed = centred * inv_std
    return normed * gain + bias, (normed, inv_std, gain)


def _norm_back(grad, saved, grads, name):
    normed, inv_std, gain = saved
    grads[name + ".gain"] += (grad * normed).reshape(-1, normed.shape[-1]).sum(0)
    grads[name + ".bias"] += grad.reshape(-1, normed.shape[-1]).sum(0)
    g = grad * gain
    return inv_std * (g - g.mean(-1, keepdims=True) - normed * (g * normed).mean(-1, keepdims=True))


def _gelu(z):
    t = np.tanh(GELU_C * z * (1.0 + 0.044715 * (z * z)))  # z * z: numpy's z**3 is a slow pow
    return 0.5 * z * (1.0 + t), t


def _gelu_back(grad, z, t):
    return grad * (0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * z * z))


def _split(x, heads):  # (B, T, d) -> (B, H, T, d/H)
    b, t, d = x.shape
    return x.reshape(b, t, heads, d // heads).transpose(0, 2, 1, 3)


def _merge(x):  # (B, H, T, d/H) -> (B, T, d)
    b, h, t, e = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * e)


def encode(params: dict, shape: Shape, ids: np.ndarray, keep_cache: bool = False):
    """The last layer's hidden states (B, T, dim) of token ids (B, T) (0 is padding, never attended
    to), and what the backward pass needs when keep_cache."""
    t = ids.shape[1]
    dtype = params["embedding"].dtype
    x = params["embedding"][ids] + params["position"][:t]
    pad_bias = np.where(ids == 0, -1e9, 0.0).astype(dtype)[:, None, None, :]
    scale = 1.0 / float(np.sqrt(shape.dim // shape.heads))  # a Python float: float32 arrays stay float32
    cache = []
    for layer in range(shape.layers):
        p = f"{layer}."
        a, norm1 = _norm(x, params[p + "norm1.gain"], params[p + "norm1.bias"])
        q, k, v = np.split(a @ params[p + "qkv"] + params[p + "qkv.bias"], 3, axis=-1)
        q, k, v = _split(q, shape.heads), _split(k, shape.heads), _split(v, shape.heads)
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale + pad_bias
        scores -= scores.max(-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(-1, keepdims=True)
        attended = _merge(weights @ v)
        x = x + attended @ params[p + "out"] + params[p + "out.bias"]
        c, norm2 = _norm(x, params[p + "norm2.gain"], params[p + "norm2.bias"])
        z = c @ params[p + "up"] + params[p + "up.bias"]
        u, t_z = _gelu(z)
        x = x + u @ params[p + "down"] + params[p + "down.bias"]
        if keep_cache:
            cache.append((a, norm1, q, k, v, weights, attended, c, norm2, z, t_z, u))
    h, norm = _norm(x, params["norm.gain"], params["norm.bias"])
    return h, (ids, scale, cache, norm)


def logits_of(params: dict, hidden: np.ndarray) -> np.ndarray:
    """Scores of every vocabulary entry for hidden states (M, dim): the tied output projection."""
    return hidden @ params["embedding"].T + params["output.bias"]


def masked_loss(params: dict, shape: Shape, ids: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                targets: np.ndarray, with_grads: bool = True):
    """The mean cross-entropy of the targets at positions (rows, cols) of the inputs `ids` (which hold
    the masked tokens there), and every parameter's gradient when with_grads."""
    h, saved = encode(params, shape, ids, keep_cache=with_grads)
    picked = h[rows, cols]
    logits = logits_of(params, picked)
    logits -= logits.max(-1, keepdims=True)
    probs = np.exp(logits)
    totals = probs.sum(-1, keepdims=True)
    m = len(targets)
    loss = float((np.log(totals[:, 0]) - logits[np.arange(m), targets]).mean())
    if not with_grads:
        return loss, None
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    d_logits = probs / totals
    d_logits[np.arange(m), targets] -= 1.0
    d_logits /= m
    grads["embedding"] += d_logits.T @ picked
    grads["output.bias"] += d_logits.sum(0)
    d_h = np.zeros_like(h)
    np.add.at(d_h, (rows, cols), d_logits @ params["embedding"])
    _backward(params, shape, saved, d_h, grads)
    return loss, grads


def _backward(params, shape, saved, d_h, grads):
    ids, scale, cache, norm = saved
    dx = _norm_back(d_h, norm, grads, "norm")
    for layer in reversed(range(shape.layers)):
        p = f"{layer}."
        a, norm1, q, k, v, weights, attended, c, norm2, z, t_z, u = cache[layer]
        d = dx.shape[-1]
        flat = dx.reshape(-1, d)
        grads[p + "down"] += u.reshape(-1, u.shape[-1]).T @ flat
        grads[p + "down.bias"] += flat.sum(0)
        d_z = _gelu_back(dx @ params[p + "down"].T, z, t_z)
        grads[p + "up"] += c.reshape(-1, d).T @ d_z.reshape(-1, d_z.shape[-1])
        grads[p + "up.bias"] += d_z.reshape(-1, d_z.shape[-1]).sum(0)
        dx = dx + _norm_back(d_z @ params[p + "up"].T, norm2, grads, p + "norm2")
        flat = dx.reshape(-1, d)
        grads[p + "out"] += attended.reshape(-1, d).T @ flat
        grads[p + "out.bias"] += flat.sum(0)
        d_att = _split(dx @ params[p + "out"].T, shape.heads)
        d_weights = d_att @ v.transpose(0, 1, 3, 2)
        d_v = weights.transpose(0, 1, 3, 2) @ d_att
        d_scores = weights * (d_weights - (d_weights * weights).sum(-1, keepdims=True)) * scale
        d_q = d_scores @ k
        d_k = d_scores.transpose(0, 1, 3, 2) @ q
        d_qkv = np.concatenate([_merge(d_q), _merge(d_k), _merge(d_v)], axis=-1)
        grads[p + "qkv"] += a.reshape(-1, d).T @ d_qkv.reshape(-1, 3 * d)
        grads[p + "qkv.bias"] += d_qkv.reshape(-1, 3 * d).sum(0)
        dx = dx + _norm_back(d_qkv @ params[p + "qkv"].T, norm1, grads, p + "norm1")
    grads["position"][: ids.shape[1]] += dx.sum(0)
    np.add.at(grads["embedding"], ids, dx)


class Adam:
    """Adam (Kingma and Ba) with its usual constants and bias correction, updating in place."""

    def __init__(self, params: dict, learning_rate: float, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.rate, self.beta1, self.beta2, self.epsilon = learning_rate, beta1, beta2, epsilon
        self.first = {n: np.zeros_like(v) for n, v in params.items()}
        self.second = {n: np.zeros_like(v) for n, v in params.items()}
        self.steps = 0

    def step(self, params: dict, grads: dict) -> None:
        self.steps += 1
        rate = self.rate * np.sqrt(1 - self.beta2**self.steps) / (1 - self.beta1**self.steps)
        for name, value in params.items():
            g = grads[name]
            m, s = self.first[name], self.second[name]
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * (g * g)
            value -= (rate * m / (np.sqrt(s) + self.epsilon)).astype(value.dtype)


# --- a classifier on the encoder (engine.finetuning.masked_lm_classifier): the mean of the last
# layer's hidden states over a sentence's tokens (padding left out), then a softmax layer.


def mean_pooled(params: dict, shape: Shape, ids: np.ndarray, keep_cache: bool = False):
    """Each sentence's mean hidden state (B, dim) over its tokens (ids > 0), and what the backward
    pass needs when keep_cache. A sentence of padding only pools to zeros."""
    h, saved = encode(params, shape, ids, keep_cache)
    weights = (ids > 0).astype(h.dtype) / np.maximum((ids > 0).sum(1, keepdims=True), 1).astype(h.dtype)
    return np.einsum("btd,bt->bd", h, weights), (h, weights, saved)


def head_loss(head: dict, pooled: np.ndarray, labels: np.ndarray):
    """The mean cross-entropy of the labels given the softmax layer `head` ({"weight": (dim, classes),
    "bias": (classes,)}) on pooled sentences (B, dim); the head's gradients and the pooled ones."""
    logits = pooled @ head["weight"] + head["bias"]
    logits = logits - logits.max(-1, keepdims=True)
    probs = np.exp(logits)
    totals = probs.sum(-1, keepdims=True)
    m = len(labels)
    loss = float((np.log(totals[:, 0]) - logits[np.arange(m), labels]).mean())
    d_logits = probs / totals
    d_logits[np.arange(m), labels] -= 1.0
    d_logits /= m
    return loss, {"weight": pooled.T @ d_logits, "bias": d_logits.sum(0)}, d_logits @ head["weight"].T


def classifier_loss(params: dict, head: dict, shape: Shape, ids: np.ndarray, labels: np.ndarray):
    """head_loss on the encoder's mean-pooled sentences, and the gradients of the head's and the
    encoder's parameters (fine-tuning end to end), as two dicts."""
    pooled, (h, weights, saved) = mean_pooled(params, shape, ids, keep_cache=True)
    loss, head_grads, d_pooled = head_loss(head, pooled, labels)
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    _backward(params, shape, saved, d_pooled[:, None, :] * weights[:, :, None], grads)
    return loss, head_grads, grads
