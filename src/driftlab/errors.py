"""Errors the CLI turns into one clear line (and an exit code) instead of a traceback."""


class DriftlabError(Exception):
    """A problem the user can fix; its message is one line that names it."""

    exit_code = 1


class ConfigError(DriftlabError):
    """The command's input (config file, preset name, --set override, sweep file, output path) cannot be
    used; nothing has run yet."""

    exit_code = 2


class DataError(DriftlabError):
    """A data or eval file cannot be used as it is (its message names the file and line)."""

    exit_code = 2


class TrainingDiverged(DriftlabError):
    """Training produced NaN or infinite values."""
