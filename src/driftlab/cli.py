"""The ``driftlab`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DriftlabError

DEFAULT_TARGET = "evolution-post"


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config field by dotted path, e.g. --set world.agents=2000 (repeatable)")
    parser.add_argument("--seed", type=int, default=None, help="override the config's seed")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def cmd_run(args: argparse.Namespace) -> int:
    from .config import resolve
    from .runner import default_out_dir, execute

    config, stem = resolve(args.target, args.overrides, args.seed)
    out_dir = Path(args.out) if args.out else default_out_dir(stem)
    result = execute(config, out_dir, quiet=args.quiet)
    if not args.quiet:
        for key, value in result.summary["figures"].items():
            if not isinstance(value, (dict, list)):
                print(f"  {key}: {value}")
    print(f"wrote {result.out_dir}")
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    from .config import load_preset, preset_names

    names = preset_names()
    width = max(map(len, names))
    for name in names:
        description = str(load_preset(name).get("description", "")).strip().splitlines()
        print(f"{name:<{width}}  {description[0] if description else ''}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="driftlab", description="Simulate, measure and counter alignment drift.")
    parser.add_argument("--version", action="version", version=f"driftlab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a preset or a YAML config")
    run.add_argument("target", nargs="?", default=DEFAULT_TARGET,
                     help=f"preset name or YAML file (default: {DEFAULT_TARGET})")
    run.add_argument("--out", help="run directory (default: runs/<name>-<UTC timestamp>)")
    _add_config_args(run)
    run.set_defaults(func=cmd_run)

    presets = commands.add_parser("presets", help="list the built-in presets")
    presets.set_defaults(func=cmd_presets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DriftlabError as error:
        print(f"driftlab: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("driftlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
