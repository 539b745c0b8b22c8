"""The ``driftlab`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DriftlabError

DEFAULT_TARGET = "evolution-post"


def _add_config_args(parser: argparse.ArgumentParser, seed: bool = True) -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config field by dotted path, e.g. --set world.agents=2000 (repeatable)")
    if seed:
        parser.add_argument("--seed", type=int, default=None, help="override the config's seed")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def cmd_run(args: argparse.Namespace) -> int:
    from .config import resolve
    from .errors import ConfigError
    from .runner import default_out_dir, execute, resume

    if args.resume:
        if args.target is not None or args.overrides or args.seed is not None or args.out:
            raise ConfigError("--resume DIR continues that run with its own config: give no target, --set, --seed or --out")
        result = resume(Path(args.resume), quiet=args.quiet)
    else:
        config, stem = resolve(args.target or DEFAULT_TARGET, args.overrides, args.seed)
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


def cmd_sweep(args: argparse.Namespace) -> int:
    from .runner import default_out_dir
    from .sweep import load_sweep, run_sweeps

    sweep = load_sweep(args.sweep_file, args.overrides)
    out_dir = Path(args.out) if args.out else default_out_dir(sweep.spec.name, Path("sweeps"))
    (result,) = run_sweeps([(sweep, out_dir)], args.executor, args.workers, args.address, args.quiet)
    for trial_id, status in result.statuses.items():
        if status["status"] != "ok":
            print(f"  failed {trial_id}: {status['error']}", file=sys.stderr)
    print(f"wrote {result.out_dir}")
    print(result.line())
    return 1 if result.failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    print(f"wrote {write_report(Path(args.dir), Path(args.out) if args.out else None)}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    from .reproduce import reproduce
    from .sweep import SweepResult

    report, results = reproduce(args.target, Path(args.out) if args.out else None, args.workers, args.quiet)
    if not args.quiet:
        for name, result in results.items():
            print(f"  {name}: {result.line()}")
    print(f"wrote {report}")
    every_trial = SweepResult(report.parent, {f"{name}/{trial}": status for name, result in results.items()
                                              for trial, status in result.statuses.items()})
    print(every_trial.line())
    return 1 if every_trial.failed else 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="driftlab", description="Simulate, measure and counter alignment drift.")
    parser.add_argument("--version", action="version", version=f"driftlab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a preset or a YAML config")
    run.add_argument("target", nargs="?", default=None,
                     help=f"preset name or YAML file (default: {DEFAULT_TARGET})")
    run.add_argument("--out", help="run directory (default: runs/<name>-<UTC timestamp>)")
    run.add_argument("--resume", metavar="DIR", help="finish an interrupted run in DIR with its own config "
                     "(the lm world continues from its last complete stage, with identical numbers)")
    _add_config_args(run)
    run.set_defaults(func=cmd_run)

    sweep = commands.add_parser("sweep", help="run a sweep file: a grid of config values x seeds (resumable)")
    sweep.add_argument("sweep_file", metavar="SWEEP", help="a sweep file (name, base, set, grid or points, seeds) or a built-in sweep name (methods-gradient)")
    sweep.add_argument("--out", help="sweep directory (default: sweeps/<name>-<UTC timestamp>); "
                       "re-run with the same --out to resume")
    sweep.add_argument("--executor", choices=["local", "ray"], default="local",
                       help="local: a pool of worker processes (default); ray: Ray tasks")
    sweep.add_argument("--workers", type=int, default=None,
                       help="parallel trials (default: the number of cores; for ray, CPUs of the local Ray)")
    sweep.add_argument("--address", help="with --executor ray: join this Ray cluster instead of starting one")
    _add_config_args(sweep, seed=False)  # --set applies to every trial; seeds come from the sweep file
    sweep.set_defaults(func=cmd_sweep)

    report = commands.add_parser("report", help="write a self-contained HTML report of a run or sweep directory")
    report.add_argument("dir", metavar="DIR", help="a run directory or a sweep directory")
    report.add_argument("--out", help="HTML file (default: DIR/report.html)")
    report.set_defaults(func=cmd_report)

    reproduce = commands.add_parser("reproduce", help="reproduce the post's toy-model figures in one report")
    reproduce.add_argument("target", choices=["post"], help="what to reproduce")
    reproduce.add_argument("--out", help="output directory (default: runs/reproduce-post-<UTC timestamp>)")
    reproduce.add_argument("--workers", type=int, default=None, help="parallel trials (default: the cores)")
    reproduce.add_argument("--quiet", action="store_true", help="no progress output")
    reproduce.set_defaults(func=cmd_reproduce)

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
