"""Every failure a user can cause ends in one clear line: the corpus of bad inputs in
``tests/bad_inputs/cases.yaml`` (its header says how to add one), each run through the real CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from driftlab.cli import main
from driftlab.config import preset_names, resolve, validate_config
from driftlab.errors import ConfigError
from driftlab.registry import WORLDS

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text())
KEYS = {"id", "argv", "files", "env", "stdout", "stderr", "exit", "error"}


def test_the_corpus_is_well_formed():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in CASES:
        assert set(case) <= KEYS and {"id", "argv", "exit"} <= set(case), case["id"]


@pytest.fixture(scope="session")
def made_by_cli(tmp_path_factory):
    """``{run: argv}`` set-ups: the directory each command writes, made once per session."""
    made = {}

    def make(argv: list[str]) -> Path:
        key = tuple(argv)
        if key not in made:
            out = tmp_path_factory.mktemp("made") / "out"
            assert main([*argv, "--out", str(out)]) == 0, argv
            made[key] = out
        return made[key]

    return make


def set_up(root: Path, files: dict, made_by_cli) -> None:
    for name, spec in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if spec is None:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        elif isinstance(spec, str):
            path.write_text(spec, encoding="utf-8")
        elif "bytes" in spec:
            path.write_bytes(spec["bytes"].encode("latin-1"))
        elif "symlink" in spec:
            path.symlink_to(spec["symlink"])
        elif "dir" in spec:
            path.mkdir()
        elif "edit" in spec:  # [old, new]: change a file set up before (say, a copied run's config)
            old, new = spec["edit"]
            text = path.read_text()
            assert old in text, f"{name} has no {old!r} to edit"
            path.write_text(text.replace(old, new, 1))
        elif "move" in spec:  # rename what an earlier set-up made
            (root / spec["move"]).rename(path)
        elif "copy" in spec or "run" in spec:
            source = CORPUS / spec["copy"] if "copy" in spec else made_by_cli(spec["run"])
            if source.is_dir():
                shutil.copytree(source, path, symlinks=True)
            else:
                shutil.copy2(source, path)
        else:
            raise ValueError(f"unknown set-up for {name}: {spec}")


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root``: directories, links with their targets, files with content hash and mtime."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            key = str(path.relative_to(root))
            if path.is_symlink():
                state[key] = ("link", os.readlink(path))
            elif path.is_dir():
                state[key] = ("dir",)
            else:
                state[key] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return state


def run_cli(argv: list[str], cwd: Path, env: dict, stdout: str | None,
            stderr: str | None) -> subprocess.CompletedProcess:
    """``driftlab argv``; ``stdout``/``stderr`` "closed" runs it with that stream closed (the shell's ``>&-``),
    stdout "broken" with a pipe whose reader has gone."""
    environment = {**os.environ, **env}
    for name in [name for name, value in env.items() if value == ""]:
        del environment[name]
    command = [sys.executable, "-m", "driftlab.cli", *argv]
    closing = " ".join(redirect for redirect, stream in ((">&-", stdout), ("2>&-", stderr)) if stream == "closed")
    if closing:
        command = ["sh", "-c", f'exec "$@" {closing}', "sh", *command]
    out = subprocess.PIPE
    if stdout == "broken":
        read_end, out = os.pipe()
        os.close(read_end)  # the reader is gone before the first write
    try:
        return subprocess.run(command, cwd=cwd, env=environment, stdout=out, stderr=subprocess.PIPE, text=True,
                              timeout=120, check=False)
    finally:
        if stdout == "broken":
            os.close(out)


@pytest.fixture(scope="session")
def outcomes(request, tmp_path_factory, made_by_cli):
    """The selected cases, set up one by one, then run concurrently, each in its own directory (a command
    is mostly interpreter start-up): case id -> a future of (snapshot before, result, snapshot after)."""
    wanted = {item.callspec.params["case"]["id"] for item in request.session.items
              if hasattr(item, "callspec") and "case" in item.callspec.params}

    def run_case(case: dict, root: Path):
        before = snapshot(root)
        argv = [str(arg) for arg in case["argv"]]
        result = run_cli(argv, root, case.get("env") or {}, case.get("stdout"), case.get("stderr"))
        return before, result, snapshot(root)

    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        futures = {}
        for case in CASES:
            if case["id"] in wanted:
                root = tmp_path_factory.mktemp("case")
                set_up(root, case.get("files") or {}, made_by_cli)
                futures[case["id"]] = pool.submit(run_case, case, root)
        yield futures


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input_gives_one_line_and_changes_nothing(case, outcomes):
    before, result, after = outcomes[case["id"]].result()
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    if "error" in case:
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("driftlab") and case["error"] in lines[0], lines[0]
    else:
        assert lines == [], result.stderr
    assert result.returncode == case["exit"], result.stderr
    assert after == before


def test_an_unexpected_error_is_one_line_with_a_hint(monkeypatch, capsys):
    def fail(args):
        raise RuntimeError("the disk\nwent away")

    monkeypatch.setattr("driftlab.cli.cmd_presets", fail)
    assert main(["presets"]) == 1
    err = capsys.readouterr().err
    assert err == ("driftlab: error: RuntimeError: the disk went away (unexpected; re-run with --debug for the "
                   "traceback)\n")
    for argv in (["--debug", "presets"], ["presets", "--debug"]):
        with pytest.raises(RuntimeError, match="the disk"):
            main(argv)


def test_debug_shows_the_traceback_of_an_input_error_and_keeps_its_exit_code(capsys):
    assert main(["run", "evolution-psot", "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.splitlines()[-1].startswith("driftlab: error: unknown preset 'evolution-psot'")


def test_ctrl_c_is_130_and_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("driftlab.cli.cmd_presets", interrupted)
    assert main(["presets"]) == 130
    assert capsys.readouterr().err == "driftlab: interrupted\n"


def test_the_memory_check_compares_the_estimate_with_what_is_available(monkeypatch):
    from driftlab import ram as memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 10 * 2**20)
    small = validate_config({"name": "x", "world": {"type": "evolution", "agents": 1000, "steps": 100}})
    memory.check_fits(small)
    large = validate_config({"name": "x", "world": {"type": "evolution", "agents": 1_000_000, "steps": 100}})
    with pytest.raises(ConfigError, match=r"world.agents=1000000, .*about 38.\d MiB .* has 10.0 MiB available"):
        memory.check_fits(large)
    monkeypatch.setattr(memory, "available_bytes", lambda: None)  # a machine that does not say: no check
    memory.check_fits(large)


def test_the_shipped_presets_are_far_from_any_memory_limit():
    for name in preset_names():
        config, _ = resolve(name)
        estimate = WORLDS.get(config.world.type, "world.type").estimated_bytes(config.world)
        assert estimate is None or estimate < 2**30, name


def test_a_data_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch, capsys):
    big = tmp_path / "big.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "x" * 1000}, {"role": "assistant", "content": "y"}]})
    big.write_text((line + "\n") * 1100)  # 1.1 MB of good records
    monkeypatch.setenv("DRIFTLAB_MAX_DATA_MIB", "1")
    out = tmp_path / "out"
    argv = ["run", "lm-drift-smoke", "--set", f"world.capability={big}", "--out", str(out), "--quiet"]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == (f"driftlab: error: {big}: a file of 2 MiB, over the limit of 1 MiB (if "
                                               "that is meant, raise it with $DRIFTLAB_MAX_DATA_MIB)")
    assert not out.exists()
