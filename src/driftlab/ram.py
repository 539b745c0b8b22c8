"""Will a run fit in memory? A world's estimate (``World.estimated_bytes``) against what the machine has,
checked before a run directory is made, so that a run too large fails at once with one line instead of
dying in an allocation (or being killed by the kernel) after its directory was written."""

from __future__ import annotations

import math
import os
from pathlib import Path

from .config import RunConfig
from .errors import ConfigError
from .registry import WORLDS


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None  # absent, or "max" (no cgroup limit)


def available_bytes() -> int | None:
    """Memory a new run can take: Linux's MemAvailable (or the free pages), capped by the container's cgroup
    limit less its usage; None where the machine does not say."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            pass
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        available = limit - used if available is None else min(available, limit - used)
    return available


def human(n: int) -> str:
    """Bytes for people: ``7.3 TiB``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    power = min(int(math.log(max(n, 1), 1024)), len(units) - 1)
    return f"{n / 1024 ** power:.1f} {units[power]}"


def check_fits(config: RunConfig) -> None:
    """Raise a one-line ConfigError when the world's estimate of the run's memory exceeds what is available."""
    world_cls = WORLDS.get(config.world.type, "world.type")
    need = world_cls.estimated_bytes(config.world)
    have = available_bytes() if need is not None else None
    if need is None or have is None or need <= have:
        return
    sizes = ", ".join(f"world.{name}={getattr(config.world, name)}" for name in world_cls.size_fields)
    raise ConfigError(f"{sizes}: the run needs about {human(need)} of memory and this machine has {human(have)} "
                      "available; make it smaller")
