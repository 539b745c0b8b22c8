"""Progress bars for long work: shown on a terminal, silent under --quiet or when piped."""

from __future__ import annotations

from tqdm.auto import tqdm


class Progress:
    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def bar(self, total: int, desc: str, unit: str = "step") -> tqdm:
        # disable=None lets tqdm hide itself when stderr is not a terminal.
        return tqdm(total=total, desc=desc, unit=unit, disable=True if self.quiet else None,
                    dynamic_ncols=True, leave=False)
