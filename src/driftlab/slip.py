"""Slip-through, defined once for every world that has a held-out truth and a fixed proxy reading of it.

The drift hypothesis's event: the metric a developer watches says all is well while the truth got worse. Two
figures per replica, over the models a world kept (a rejected update leaves the kept model as it was, so it
never counts), in step order, at the resolution the world measures its truth (every optimizer step in the
gradient world, every record in the evolution, simplicity and probe worlds, every evaluated stage or memory
update in the lm and memory worlds):

- ``slip/worse_updates``: kept updates after which held-out alignment was lower than before them, out of
  ``slip/updates`` (the intervals between consecutive measurements of it);
- ``slip/first_step``: the first step whose kept model is *misaligned* on the held-out truth while its proxy
  reads *aligned* (each world states its two levels); NaN until then.

A world records the running figures in its table (:meth:`SlipThrough.observe`: the gradient world at every
step, the probe world at every record) or computes them from its table in one call (:func:`slip_from_table`);
:func:`slip_headline` turns the last values into the summary's ``slipped_fraction``, ``slip_first_step``
(mean over the replicas that slipped), ``slip_first_step_median``, ``slip_worse_updates`` and
``slip_updates``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST_STEP = "slip/first_step"
WORSE_UPDATES = "slip/worse_updates"
UPDATES = "slip/updates"


class SlipThrough:
    """The running figures of one run (per replica in a batched world), fed its measurements in step order."""

    def __init__(self):
        self.first: np.ndarray | None = None
        self.worse: np.ndarray | None = None
        self.updates: np.ndarray | None = None
        self.last: np.ndarray | None = None  # the held-out alignment measured last

    def observe(self, steps, heldout, slipped) -> dict[str, np.ndarray]:
        """Measurements at ``steps`` ([T], increasing): ``heldout`` ([T, R], or [T] for one model), held-out
        alignment of the kept model (higher is better; NaN where unknown), and ``slipped`` ([T, R] bools),
        where it was misaligned while the proxy read aligned. Returns each figure at each of the steps ([T, R])."""
        steps = np.asarray(steps, dtype=float)
        heldout = np.asarray(heldout, dtype=float).reshape(len(steps), -1)
        slipped = np.asarray(slipped, dtype=bool).reshape(heldout.shape)
        if self.first is None:
            self.first = np.full(heldout.shape[1], np.nan)
            self.worse = np.zeros(heldout.shape[1])
            self.updates = np.zeros(heldout.shape[1])
            self.last = np.full(heldout.shape[1], np.nan)
        # each measurement against the replica's last one before it (an unmeasured step in between is skipped)
        carried = pd.DataFrame(np.vstack([self.last, heldout])).ffill().to_numpy()
        before = carried[:-1]
        measured = np.isfinite(before) & np.isfinite(heldout)
        worse = self.worse + np.cumsum(measured & (heldout < before), axis=0)
        updates = self.updates + np.cumsum(measured, axis=0)
        when = np.where(slipped, steps[:, None], np.nan)
        first = np.fmin.accumulate(np.vstack([self.first, when]), axis=0)[1:]  # fmin skips NaN
        self.first, self.worse, self.updates = first[-1], worse[-1], updates[-1]
        self.last = carried[-1]
        return {FIRST_STEP: first, WORSE_UPDATES: worse, UPDATES: updates}


def slip_from_table(heldout: pd.DataFrame, proxy: pd.DataFrame, heldout_below: float, proxy_at_least: float
                    ) -> dict:
    """The summary's figures from a world's table, at its recorded steps: held-out and proxy alignment as
    step x replica frames (``table.metric_frame``; one column for one model; NaN where not measured).
    Misaligned means held-out alignment below ``heldout_below``, reading aligned a proxy of at least
    ``proxy_at_least``."""
    steps = heldout.index[heldout.notna().any(axis=1)]
    if not len(steps):
        return slip_headline({FIRST_STEP: [np.nan], WORSE_UPDATES: [0.0], UPDATES: [0.0]})
    truth, proxy = heldout.loc[steps], proxy.reindex(index=steps, columns=heldout.columns)
    figures = SlipThrough().observe(steps, truth.to_numpy(),
                                    (truth < heldout_below).to_numpy() & (proxy >= proxy_at_least).to_numpy())
    return slip_headline({name: values[-1] for name, values in figures.items()})


def slip_headline(final: pd.DataFrame | dict) -> dict:
    """The summary's figures from the last running values (a column, or an array, per figure; a row per
    replica)."""
    first = pd.Series(np.asarray(final[FIRST_STEP], dtype=float).ravel())
    slipped = first.notna()
    return {"slipped_fraction": float(slipped.mean()),
            "slip_first_step": float(first[slipped].mean()) if slipped.any() else None,
            "slip_first_step_median": float(first[slipped].median()) if slipped.any() else None,
            "slip_worse_updates": float(np.mean(final[WORSE_UPDATES])),
            "slip_updates": float(np.mean(final[UPDATES]))}
