"""The ``driftlab`` command.

Every failure ends in one line on stderr, ``<prog>: error: <what>``: exit 2 for input problems (a
:class:`ConfigError`, a bad argument), 1 for failures while running, 130 on Ctrl-C. An unexpected
exception is one line too, with a hint to re-run with ``--debug`` for its traceback. Output nobody can read
(a closed stdout or stderr, a pipe whose reader went away) is dropped and changes no exit code.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import traceback
from pathlib import Path

from .errors import ConfigError, DriftlabError
from .io import MAX_TRIALS

DEFAULT_TARGET = "evolution-post"


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (its usage text is one ``--help`` away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _given(text: str) -> str:
    """An argument that names something (a path, a preset, an address): an empty one is refused, where it would
    otherwise quietly mean the default."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _amount(text: str) -> float:
    """A resource amount: a finite number, 0 or more (fractions share a device)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number, 0 or more, got {text!r}")
    return value


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
    from .runner import summary_lines

    if not quiet:
        print("\n".join(summary_lines(result)))
    print(f"wrote {result.out_dir}")
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    from .runner import default_out_dir
    from .runner import measure_into
    from .worlds.measure import measure_config, step_table

    config = measure_config(args.paths, args.steps, args.base, args.include_base, args.evals, args.device, args.name,
                            args.seed or 0, args.overrides, args.behavior)
    out_dir = Path(args.out) if args.out else default_out_dir(args.name)
    result = measure_into(config, out_dir, quiet=args.quiet)
    if not args.quiet:
        print(step_table(result.table).to_string())
        timing = result.summary.get("timing", {})
        print("time: " + ", ".join(f"{key.removesuffix('_s')} {value:.1f} s" for key, value in timing.items()
                                  if key.endswith("_s")))
    return _report_run(result, args.quiet)


def cmd_export(args: argparse.Namespace) -> int:
    from .errors import ConfigError
    from .worlds.measure import export_adapters, lm_run_of

    run = lm_run_of(args.run)
    if run is None:
        raise ConfigError(f"{args.run}: not an lm run directory (config.yaml and checkpoints/), nor its checkpoints")
    exported = export_adapters(*run)
    for stage, folder in exported.adapters.items():
        print(f"  stage {stage}: {folder}")
    print(f"PEFT adapters over {exported.base}")
    return 0


SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)(?<!\bvs)[.!?](?=\s|$)")  # "e.g. the", "0.53", "a.yaml" end nothing


def first_sentence(description) -> str:
    """A description's first sentence, whole: what a listing shows of it."""
    text = " ".join(str(description or "").split())
    end = SENTENCE_END.search(text)
    return text[: end.end()] if end else text


def _list(descriptions: dict[str, str]) -> int:
    width = max(map(len, descriptions))
    for name, description in descriptions.items():
        print(f"{name:<{width}}  {first_sentence(description)}".rstrip())
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    from .config import load_preset, preset_names

    return _list({name: load_preset(name).get("description") for name in preset_names()})


def cmd_sweeps(args: argparse.Namespace) -> int:
    import yaml

    from .sweep import sweep_presets

    return _list({name: (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("description")
                  for name, path in sweep_presets().items()})


def cmd_sweep(args: argparse.Namespace) -> int:
    from .runner import default_out_dir
    from .sweep import TrialResources, load_sweep, run_sweeps

    sweeps = [load_sweep(sweep_file, args.overrides, args.max_trials) for sweep_file in args.sweep_file]
    names = [sweep.spec.name for sweep in sweeps]
    if len(set(names)) < len(names):
        raise ConfigError(f"the sweep {max(names, key=names.count)!r} is named twice")
    if len(sweeps) == 1:
        out_dirs = [Path(args.out) if args.out else default_out_dir(names[0], Path("sweeps"))]
    else:  # one executor for all (no idle worker between them); each sweep its own directory under --out
        parent = Path(args.out) if args.out else default_out_dir("+".join(names), Path("sweeps"))
        out_dirs = [parent / name for name in names]
    resources = TrialResources(args.cpus_per_trial, args.gpus_per_trial)
    results = run_sweeps(list(zip(sweeps, out_dirs)), args.executor, args.workers, args.address, args.quiet,
                         resources=resources)
    for result in results:
        for trial_id, status in result.statuses.items():
            if status["status"] != "ok":
                print(f"  failed {trial_id}: {status['error']}", file=sys.stderr)
        print(f"wrote {result.out_dir}")
        print(result.line())
        if result.timing:
            print(f"time in trials: {result.timing_line()}")
    return 1 if any(result.failed for result in results) else 0


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
    run.add_argument("target", nargs="?", default=None, type=_given,
                     help=f"preset name or YAML file (default: {DEFAULT_TARGET})")
    run.add_argument("--out", type=_given, help="run directory (default: runs/<name>-<UTC timestamp>)")
    run.add_argument("--resume", metavar="DIR", type=_given,
                     help="finish an interrupted run in DIR with its own config "
                     "(the lm world continues from its last complete stage, with identical numbers)")
    _add_config_args(run)
    run.set_defaults(func=cmd_run)

    sweep = commands.add_parser("sweep", help="run a sweep file: a grid of config values x seeds (resumable)")
    sweep.add_argument("sweep_file", metavar="SWEEP", type=_given, nargs="+",
                       help="a sweep file (name, base, set, grid or points, seeds) or a built-in sweep name "
                       "(methods-gradient); several run on one executor and share its workers")
    sweep.add_argument("--out", type=_given, help="sweep directory (default: sweeps/<name>-<UTC timestamp>; with "
                       "several sweeps, the folder that holds one directory per sweep); re-run with the same --out "
                       "to resume")
    sweep.add_argument("--executor", choices=["local", "ray"], default="local",
                       help="local: a pool of worker processes (default); ray: Ray tasks")
    sweep.add_argument("--workers", type=int, default=None,
                       help="parallel trials (default: the number of cores; for ray, CPUs of the local Ray)")
    sweep.add_argument("--address", type=_given, help="with --executor ray: join this Ray cluster instead of starting "
                       "one (one that does not answer is refused within seconds)")
    sweep.add_argument("--cpus-per-trial", type=_amount, default=None, metavar="N",
                       help="with --executor ray: CPUs Ray reserves for each trial (default: 1)")
    sweep.add_argument("--gpus-per-trial", type=_amount, default=None, metavar="N",
                       help="with --executor ray: GPUs Ray reserves for each trial (default: 1 for a world whose "
                       "device is cuda or auto when the cluster has GPUs, else 0)")
    sweep.add_argument("--max-trials", type=int, default=None, metavar="N",
                       help=f"refuse a sweep of more trials (default: ${MAX_TRIALS.env}, else {MAX_TRIALS.default})")
    _add_config_args(sweep, seed=False)  # --set applies to every trial; seeds come from the sweep file
    sweep.set_defaults(func=cmd_sweep)

    report = commands.add_parser("report", help="write a self-contained HTML report of a run or sweep directory")
    report.add_argument("dir", metavar="DIR", type=_given, help="a run directory or a sweep directory")
    report.add_argument("--out", type=_given, help="HTML file (default: DIR/report.html)")
    report.set_defaults(func=cmd_report)

    reproduce = commands.add_parser("reproduce", help="reproduce the post's toy-model figures in one report")
    reproduce.add_argument("target", choices=["post"], help="what to reproduce")
    reproduce.add_argument("--out", type=_given,
                           help="output directory (default: runs/reproduce-post-<UTC timestamp>)")
    reproduce.add_argument("--workers", type=int, default=None, help="parallel trials (default: the cores)")
    reproduce.add_argument("--quiet", action="store_true", help="no progress output")
    reproduce.set_defaults(func=cmd_reproduce)

    measure = commands.add_parser(
        "measure", help="score a series of checkpoints as the lm world scores its stages: a driftlab lm run, a "
        "trainer's checkpoint-N directories, or model or PEFT adapter directories",
        description="Each checkpoint is scored on the builtin dilemmas and corrigibility sets (proxy and held-out "
        "parts, every item in every order of its options, 1000 bootstrap resamples), 100 held-out capability "
        "items, and the KL from the first checkpoint on 32 prompts: the lm world's defaults, set with --set "
        "world.KEY=VALUE (e.g. world.capability_items=20, world.eval_items=30 for a quicker pass over a long "
        "series). An lm run is measured with its own model, seed and eval settings.")
    measure.add_argument("paths", nargs="+", metavar="PATH", type=_given,
                         help="a driftlab lm run directory (or its checkpoints/ or one checkpoints/stage-NNN: its "
                         "stages, written as PEFT adapters beside them first), model or adapter directories in "
                         "order, or one trainer output directory (checkpoint-N)")
    measure.add_argument("--base", type=_given,
                         help="the model under adapters (and the tokenizer of directories without one): "
                         "tiny-random, smollm2, a model directory or a hub name")
    measure.add_argument("--include-base", action="store_true", help="also measure the base model, as step 0")
    measure.add_argument("--steps", type=int, nargs="+", metavar="N", help="the step of each PATH (default: position)")
    measure.add_argument("--evals", nargs="+", metavar="EVAL", help="builtin eval sets or eval files "
                         "(default: dilemmas corrigibility)")
    measure.add_argument("--behavior", choices=["misaligned", "aligned"],
                         help="what the matching answers of the format-A eval files in --evals show")
    measure.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    measure.add_argument("--name", default="measure", help="the run's name (default: measure)")
    measure.add_argument("--out", type=_given,
                         help="run directory (default: runs/<name>-<UTC timestamp>); measuring into it "
                         "again continues it, scoring only checkpoints not measured yet")
    _add_config_args(measure)
    measure.set_defaults(func=cmd_measure)

    export = commands.add_parser("export", help="write an lm run's stage checkpoints as standard PEFT adapters "
                                 "(adapter_config.json, adapter_model.safetensors) beside them")
    export.add_argument("run", metavar="RUN", type=_given,
                        help="an lm run directory, its checkpoints/, or one checkpoints/stage-NNN")
    export.set_defaults(func=cmd_export)

    presets = commands.add_parser("presets", help="list the built-in presets")
    presets.set_defaults(func=cmd_presets)
    sweeps = commands.add_parser("sweeps", help="list the built-in sweeps (driftlab sweep NAME runs one)")
    sweeps.set_defaults(func=cmd_sweeps)
    for command in commands.choices.values():  # `driftlab run ... --debug` as well as `driftlab --debug run`
        _add_debug(command, default=argparse.SUPPRESS)
    return parser


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


class _Stream:
    """``sys.stdout`` or ``sys.stderr`` as a command writes to it. Output nobody can read goes to /dev/null: a
    stream closed before the start (``>&-``; Python leaves it None) or a pipe whose reader went away
    (``driftlab presets | head -1``). A command that did its work is never turned into a traceback or a failure
    by output it could not show, and no file the command opens can take the free descriptor."""

    def __init__(self, stream, fd: int):
        if stream is None:
            _devnull_onto(fd)
            stream = open(fd, "w", closefd=False)  # noqa: SIM115 - the process's own stream, never closed
        self._stream, self._fd = stream, fd

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        return self._unread(self._stream.write, text)

    def flush(self) -> None:
        self._unread(self._stream.flush)

    def _unread(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            _devnull_onto(self._fd)  # what is still buffered goes there too, now and at exit
            return call(*args)


def _devnull_onto(fd: int) -> None:
    null = os.open(os.devnull, os.O_WRONLY)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)


def main(argv: list[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(sys.stdout, 1), _Stream(sys.stderr, 2)
    try:
        return _main(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


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
    except Exception as error:  # anything unforeseen still ends in one line
        if args.debug:
            raise
        what = f"{type(error).__name__}: {_one_line(error)}" if str(error).strip() else type(error).__name__
        print(f"driftlab: error: {what} (unexpected; re-run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
