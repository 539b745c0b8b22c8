"""Linear probes for R replicas at once: L2-regularised logistic regression fitted by Newton's method,
rank-based AUROC, and the true-positive rate at a false-positive rate fixed on benign data. Everything is
batched over the leading replica dimension and never mixes replicas, so a replica's probe is the same
whatever is fitted beside it (bit for bit; tested).

The probe's objective, per replica, on standardised features u = (h - mean) / std (std from the training
activations, floored so that a dead unit gives a zero column)::

    mean_i v_i [ softplus(u_i . w + b) - y_i (u_i . w + b) ] + l2/2 |w|^2        (b unpenalised)

with v_i = 1, or with ``balanced`` v_i = 1 / (2 * share of i's class): each class weighs half, so the
probe's threshold (reading 0.5) does not move with the base rate of misbehaviour when it was fitted.

The fit is returned in raw activation space (w / std, b - mean . w / std), so applying it is one batched
product, and a penalty on its reading reaches the network through the activations.

AUROC and TPR live here rather than in :mod:`driftlab.stats` (NumPy, for reports) because they are computed
in the training loop, batched over replicas, on torch tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from .nets import BatchedMLP

STEPS = (1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125)  # Newton step sizes tried, largest first


@dataclass
class Probe:
    """R linear probes on raw activations: reading logit = h . w + b, with w [R, d] and b [R]."""

    w: torch.Tensor
    b: torch.Tensor

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """Activations [R, n, d] -> logits [R, n], differentiable in h (the probe itself is a constant).
        Elementwise, not a batched matmul: a 1-wide batched product may round by a replica's position."""
        return (h * self.w.to(h.dtype)[:, None]).sum(-1) + self.b.to(h.dtype)[:, None]

    def where(self, chosen: torch.Tensor, other: Probe) -> Probe:
        """This probe for the replicas where ``chosen`` [R] is true, ``other`` elsewhere."""
        return Probe(torch.where(chosen[:, None], self.w, other.w), torch.where(chosen, self.b, other.b))


def _objective(z, y, v, theta, l2: float):
    """The objective per replica from the logits z [R, n] (the bias is theta's last entry, unpenalised)."""
    return ((F.softplus(z) - y * z) * v).mean(1) + 0.5 * l2 * theta[:, :-1].pow(2).sum(1)


def class_weights(y: torch.Tensor) -> torch.Tensor:
    """Per example, 1 / (2 * share of its class) in its replica: each class weighs half. A replica whose
    labels are all one class keeps weights 1."""
    share = y.mean(1, keepdim=True)
    both = (share > 0) & (share < 1)
    weights = torch.where(y > 0, 0.5 / share.clamp_min(1e-12), 0.5 / (1 - share).clamp_min(1e-12))
    return torch.where(both, weights, torch.ones_like(y))


@torch.no_grad()
def fit_probe(h: torch.Tensor, y: torch.Tensor, l2: float = 1e-2, balanced: bool = False, iters: int = 25,
              tol: float = 1e-10, std_floor: float = 1e-4) -> Probe:
    """Fit R logistic regressions on activations h [R, n, d] with labels y [R, n] (0/1), in float64.

    Damped Newton: each step tries step sizes 1, 1/2, ... 1/32 per replica and keeps the first that meets
    Armijo's condition (an undamped step can overshoot on near-separable data), so the objective never
    rises. Each replica stops on its own once its gradient is below ``tol``. A replica whose labels are all
    one class gets w = 0 and a bias that reads that class (probability 1 - 1/(2n)): its AUROC is undefined
    (:func:`auroc` says NaN).
    """
    h, y = h.detach().double(), y.detach().double()
    R, n, d = h.shape
    v = class_weights(y) if balanced else torch.ones_like(y)
    mean, std = h.mean(1, keepdim=True), h.std(1, keepdim=True).clamp_min(std_floor)
    # An even number of columns (a zero column if needed): MKL's float64 batched matmul with an odd output
    # width rounds differently by a matrix's position in the batch, which would tie replicas together.
    pad = torch.zeros(R, n, (d + 1) % 2, dtype=h.dtype)
    u = torch.cat([(h - mean) / std, pad, torch.ones(R, n, 1, dtype=h.dtype)], 2)
    reg = torch.full((u.shape[2],), l2, dtype=h.dtype)
    reg[-1] = 0.0
    theta = torch.zeros(R, u.shape[2], dtype=h.dtype)
    # A replica whose labels are all one class has its optimum at a bias of -inf or +inf (w stays 0 on
    # standardised features): it gets the bias of a share of half an example instead of Newton's slow walk.
    share = y.mean(1)
    both = (share > 0) & (share < 1)
    theta[:, -1] = torch.where(both, 0.0, torch.logit(share.clamp(0.5 / n, 1 - 0.5 / n)))
    # Newton iterations on the replicas still moving (``live``): a replica whose gradient is below tol
    # stays where it is, so the others' work never depends on it.
    live = both.nonzero()[:, 0]
    U, U32, Y, V, T = u[live], u[live].float(), y[live], v[live], theta[live]
    z = torch.zeros(len(live), n, dtype=h.dtype)  # U . T, carried along
    for _ in range(iters):
        p = torch.sigmoid(z)
        grad = torch.bmm(((p - Y) * V)[:, None], U)[:, 0] / n + reg * T
        moving = grad.abs().amax(1) >= tol
        if not moving.all():
            theta[live] = T
            keep = moving.nonzero()[:, 0]
            live, U, U32, Y, V, T, z, p, grad = (t[keep] for t in (live, U, U32, Y, V, T, z, p, grad))
            if not len(live):
                break
        # The Hessian's product in float32 (half the cost; Newton still converges to the float64 optimum,
        # since the gradient is exact), the rest in float64.
        hess = torch.bmm((U32 * (p * (1 - p) * V).float()[..., None]).mT, U32).double() / n + torch.diag(reg)
        hess[:, -1, -1] += 1e-12  # a one-class replica's bias direction has vanishing curvature
        delta = torch.linalg.solve(hess, grad)
        dz = (U * delta[:, None]).sum(-1)
        before = _objective(z, Y, V, T, l2)
        decrease = (grad * delta).sum(1)  # the step's expected decrease
        step = torch.zeros(len(live), dtype=h.dtype)  # where no step size works, the replica stays put
        todo = torch.ones(len(live), dtype=torch.bool)
        for size in STEPS:
            ok = todo & (_objective(z - size * dz, Y, V, T - size * delta, l2) <= before - 1e-4 * size * decrease)
            step = torch.where(ok, size, step)
            todo &= ~ok
            if not todo.any():
                break
        T, z = T - step[:, None] * delta, z - step[:, None] * dz
    theta[live] = T
    w = theta[:, :d] / std[:, 0]
    return Probe(w, theta[:, -1] - (mean[:, 0] * w).sum(1))


@dataclass
class MlpProbe:
    """R one-hidden-layer MLP probes on standardised activations: a nonlinear reader, to ask whether what no
    linear probe reads is still there."""

    net: BatchedMLP
    mean: torch.Tensor
    std: torch.Tensor

    @torch.no_grad()
    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """Activations [R, n, d] -> logits [R, n] (float64)."""
        return self.net(((h - self.mean) / self.std).float())[0][..., 0].double()  # column 1 only pads


def fit_mlp_probe(h: torch.Tensor, y: torch.Tensor, width: int = 32, steps: int = 100, lr: float = 1e-2,
                  seed: int = 0, balanced: bool = False, std_floor: float = 1e-4) -> MlpProbe:
    """Fit R MLP probes (d -> ``width`` ReLU -> 1) on activations h [R, n, d] with labels y [R, n] (0/1) by
    ``steps`` full-batch Adam steps on the logistic loss (class-balanced as :func:`fit_probe`'s with
    ``balanced``). Every replica starts from the same init, drawn from ``seed``, and Adam is elementwise, so a
    replica's probe does not depend on the others (bit for bit; the output has a second, untrained column and
    ``width`` must be even: a batched product of odd width rounds by a matrix's position in the batch, as
    :func:`fit_probe` says)."""
    from .nets import BatchedMLP

    h, y = h.detach().float(), y.detach().float()
    R, n, d = h.shape
    mean, std = h.mean(1, keepdim=True), h.std(1, keepdim=True).clamp_min(std_floor)
    u = (h - mean) / std
    v = class_weights(y) if balanced else torch.ones_like(y)
    if width % 2:
        raise ValueError(f"width must be even, not {width}")
    net = BatchedMLP(R, [d, width, 2], seed, init_scale=2 ** 0.5, replica_ids=[0] * R)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    with torch.enable_grad():
        for _ in range(steps):
            optimizer.zero_grad()
            z = net(u)[0][..., 0]
            ((F.softplus(z) - y * z) * v).mean(1).sum().backward()
            optimizer.step()
    return MlpProbe(net.requires_grad_(False), mean, std)


def auroc(scores: torch.Tensor, labels: torch.Tensor, min_class: int = 1) -> torch.Tensor:
    """AUROC per replica from scores [R, n] and boolean labels [R, n] (True = positive), by the rank-sum
    (Mann-Whitney) formula, tied scores sharing their average rank; float64. NaN where a class has fewer
    than ``min_class`` members (an AUROC from two positives is noise)."""
    R, n = scores.shape
    order = scores.argsort(1)
    s = scores.gather(1, order)
    positive = labels.gather(1, order).double()
    new = torch.ones(R, n, dtype=torch.bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]
    group = new.long().cumsum(1) - 1  # each sorted entry's group of tied scores
    rank = torch.arange(1, n + 1, dtype=torch.float64).expand(R, n)
    first = torch.full((R, n), float(n + 1), dtype=torch.float64).scatter_reduce(1, group, rank, "amin")
    last = torch.zeros(R, n, dtype=torch.float64).scatter_reduce(1, group, rank, "amax")
    average = ((first + last) / 2).gather(1, group)
    n_pos = positive.sum(1)
    n_neg = n - n_pos
    u = (average * positive).sum(1) - n_pos * (n_pos + 1) / 2
    enough = (n_pos >= max(min_class, 1)) & (n_neg >= max(min_class, 1))
    return torch.where(enough, u / (n_pos * n_neg), torch.nan)


def tpr_at_fpr(scores: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, fpr: float = 0.01,
               min_class: int = 1) -> torch.Tensor:
    """True-positive rate per replica at a threshold recalibrated on negatives (the literature's "caught":
    TPR at 1% FPR on benign data), from scores [R, n] and boolean masks [R, n] of the positives and of the
    negatives to calibrate on (an example may be neither).

    The threshold is the smallest negative score that at most ``fpr`` of a replica's m negatives exceed: the
    (m - floor(fpr m))-th smallest, the ``inverted_cdf`` quantile at 1 - fpr; a positive is caught when its
    score lies strictly above it. NaN where positives are fewer than ``min_class`` or there are no negatives."""
    m = negative.sum(1)
    threshold = benign_threshold(scores, negative, fpr)[:, None]
    n_pos = positive.sum(1)
    caught = ((scores > threshold) & positive).sum(1).double() / n_pos
    return torch.where((n_pos >= max(min_class, 1)) & (m > 0), caught, torch.nan)


def benign_threshold(scores: torch.Tensor, negative: torch.Tensor, fpr: float = 0.01) -> torch.Tensor:
    """Per replica [R], the threshold above which at most ``fpr`` of its negatives (benign examples) score:
    the smallest negative score that at most ``fpr`` of a replica's m negatives exceed (see :func:`tpr_at_fpr`);
    +inf where a replica has no negatives, so that nothing is flagged."""
    n = scores.shape[1]
    above = torch.floor(fpr * negative.sum(1).double() + 1e-9).long()  # negatives allowed above the threshold
    ranked = torch.where(negative, scores, -torch.inf).sort(1, descending=True).values
    threshold = ranked.gather(1, above.clamp(max=n - 1)[:, None])[:, 0]
    return torch.where(negative.any(1), threshold, torch.inf)
