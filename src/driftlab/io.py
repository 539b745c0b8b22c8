"""Files: atomic writes (a file appears under its final name only once it is complete), output paths
checked before anything is written, users' text files read with one-line errors, and the size limits on
what users give (settings: environment variables)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:  # pandas costs a quarter second to import; reading a config needs none of it
    import pandas as pd


@dataclass(frozen=True)
class Limit:
    """A size limit on an input, so that an absurd one is refused at once rather than running for minutes; a
    user with a real need raises it through the environment variable ``env``."""

    env: str
    default: int
    unit: str = ""

    def value(self) -> int:
        text = os.environ.get(self.env, "").strip()
        if not text:
            return self.default
        if not text.isdigit() or int(text) < 1:
            raise ConfigError(f"${self.env}: expected a positive whole number, got {text!r}")
        return int(text)

    def check(self, size: int, what: str, hint: str = "", limit: int | None = None) -> None:
        """Raise one line, ``<what> <size> <unit>, over the limit ...``, when ``size`` (in ``unit``) is over the
        limit (``limit`` where a command-line flag gave one; ``hint`` names that flag)."""
        limit = self.value() if limit is None else limit
        if size > limit:
            raise ConfigError(f"{what} {size:,} {self.unit}, over the limit of {limit:,} {self.unit} (if that is "
                              f"meant, raise it with {hint}${self.env})")


MAX_TRIALS = Limit("DRIFTLAB_MAX_TRIALS", 10_000, "trials")
MAX_DATA_FILE = Limit("DRIFTLAB_MAX_DATA_MIB", 1024, "MiB")
MAX_RECORD = Limit("DRIFTLAB_MAX_RECORD_KIB", 1024, "KiB")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes files private; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text))


def write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


def write_parquet(path: Path, table: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))


def save_figure(path: Path, figure) -> None:
    """Save a matplotlib figure as PNG, atomically, and free it."""
    import matplotlib.pyplot as plt

    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(figure)


def check_writable(path: Path, directory: bool = True) -> None:
    """Raise a one-line ConfigError unless ``path`` can be written, as a directory (new, or one that exists)
    or as a file (new or replaced), so that a bad ``--out`` fails before any work. Writability is tried,
    not guessed: a probe directory is made and removed in the nearest folder that exists."""
    path = Path(path)
    what = f"output {'directory' if directory else 'file'} {path}"
    try:
        _try_writing(path, directory, what)
    except OSError as error:  # say, a name longer than the filesystem allows
        raise ConfigError(f"{what}: {error.strerror or error}") from None


def _try_writing(path: Path, directory: bool, what: str) -> None:
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"{what}: a broken symbolic link (to {os.readlink(path)})")
    if path.exists() and path.is_dir() != directory:
        problem = "exists and is not a directory" if directory else "is a directory; give a file name"
        raise ConfigError(f"{what}: {problem}")
    folder = path if directory else path.parent
    while not folder.exists():
        if folder.is_symlink():
            raise ConfigError(f"{what}: {folder} is a broken symbolic link (to {os.readlink(folder)})")
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{what}: {folder} is a file, not a directory")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".driftlab-probe-", dir=folder))
    except OSError as error:
        raise ConfigError(f"{what}: cannot write in {folder} ({error.strerror or error})") from None


def read_text(path: Path) -> str:
    """A user's text file (config, sweep) as UTF-8, or a one-line ConfigError naming the file and where the
    first byte that is not UTF-8 sits."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}, "
                          f"line {line}); save the file as UTF-8") from None
