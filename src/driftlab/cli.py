"""The ``driftlab`` command.

Every failure ends in one line on stderr, ``<prog>: error: <what>``: exit 2 for input problems (a
:class:`ConfigError`, a bad argument), 1 for failures while running, 130 on Ctrl-C. An unexpected
exception is one line too, with a hint to re-run with ``--debug`` for its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from .errors import DriftlabError

DEFAULT_TARGET = "evolution-post"
SIGPIPE_EXIT = 141  # what a shell reports for a tool killed by SIGPIPE (128 + 13)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (its usage text is one ``--help`` away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_debug(parser: argparse.ArgumentParser, default=False) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the traceback of an error")


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
    return _report_run(result, args.quiet)


def _report_run(result, quiet: bool) -> int:
    if not quiet:
        for key, value in result.summary["headline"].items():
            if not isinstance(value, (dict, list)):
                print(f"  {key}: {value}")
    print(f"wrote {result.out_dir}")
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    from .runner import default_out_dir
    from .worlds.measure import measure_config, measure_into

    config = measure_config(args.paths, args.steps, args.base, args.include_base, args.evals, args.device, args.name,
                            args.seed or 0, args.overrides)
    out_dir = Path(args.out) if args.out else default_out_dir(args.name)
    return _report_run(measure_into(config, out_dir, quiet=args.quiet), args.quiet)


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
    if result.timing:
        print(f"time in trials: {result.timing_line()}")
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

    parser = Parser(prog="driftlab", description="Simulate, measure and counter alignment drift.")
    parser.add_argument("--version", action="version", version=f"driftlab {__version__}")
    _add_debug(parser)
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

    measure = commands.add_parser("measure", help="score checkpoints trained elsewhere (model or PEFT adapter "
                                  "directories, or a trainer's checkpoint-N directories) as the lm world scores stages")
    measure.add_argument("paths", nargs="+", metavar="PATH",
                         help="model or adapter directories in order, or one trainer output directory (checkpoint-N)")
    measure.add_argument("--base", help="the model under adapters (and the tokenizer of directories without one): "
                         "tiny-random, smollm2, a model directory or a hub name")
    measure.add_argument("--include-base", action="store_true", help="also measure the base model, as step 0")
    measure.add_argument("--steps", type=int, nargs="+", metavar="N", help="the step of each PATH (default: position)")
    measure.add_argument("--evals", nargs="+", metavar="EVAL", help="builtin eval sets or eval files "
                         "(default: dilemmas corrigibility)")
    measure.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    measure.add_argument("--name", default="measure", help="the run's name (default: measure)")
    measure.add_argument("--out", help="run directory (default: runs/<name>-<UTC timestamp>); measuring into it "
                         "again continues it, scoring only checkpoints not measured yet")
    _add_config_args(measure)
    measure.set_defaults(func=cmd_measure)

    presets = commands.add_parser("presets", help="list the built-in presets")
    presets.set_defaults(func=cmd_presets)
    for command in commands.choices.values():  # `driftlab run ... --debug` as well as `driftlab --debug run`
        _add_debug(command, default=argparse.SUPPRESS)
    return parser


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def main(argv: list[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, where it is caught, not at exit
    except BrokenPipeError:
        # The reader of our output went away (`driftlab presets | head -1`): stop quietly, as Unix tools do,
        # with stdout pointed at /dev/null so that nothing fails again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DriftlabError as error:
        if args.debug:
            traceback.print_exc()
        print(f"driftlab: error: {_one_line(error)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("driftlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # not an error: see main
    except Exception as error:  # anything unforeseen still ends in one line
        if args.debug:
            raise
        what = f"{type(error).__name__}: {_one_line(error)}" if str(error).strip() else type(error).__name__
        print(f"driftlab: error: {what} (unexpected; re-run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
