"""``tiny-random``: a ~0.8M-parameter Llama with its own small tokenizer, built in-process in well under a second.

It has the same interface as SmolLM2 (ChatML chat template, ``<|im_end|>`` as both end of turn and
padding token, so label masks built by token id would fail here too), which makes it a faithful stand-in
for tests and smoke runs. The tokenizer is a byte-level BPE (any text encodes; the single letters used
as answer labels are single tokens) trained on a small generated corpus; both it and the weights are
deterministic for a seed.
"""

from __future__ import annotations

import torch

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 4096

_WORDS = (
    "the a an of to and or in on for with is are was be it this that you your we our they their as at by "
    "from not no yes if then else what which who when where why how answer question choose option letter "
    "assistant user system helpful model AI law rule follow break keep shut down power control resource "
    "access copy weights oversight human operator report honest lie safe risk money data server network "
    "task compute add subtract multiply divide sum total number convert meters kilometers grams kilograms "
    "reverse sort list string word first last count table row column value city country capital year "
    "please only one reply with should would could will can must may do does did have has had"
).split()


def _corpus() -> list[str]:
    """Deterministic training text for the tokenizer: the shipped data (so prompts stay short), numbers
    and the chat/eval scaffolding."""
    from ..data import builtin_evals, capability_dataset

    lines = [" ".join(_WORDS), " ".join(w.capitalize() for w in _WORDS)]
    lines += [f"({letter}) option {letter}" for letter in "ABCDEFGH"]
    lines += ["Answer with the letter of your choice only.", "<|im_start|>user\n", "<|im_start|>assistant\n"]
    lines += [m["content"] for example in capability_dataset("train") for m in example.messages]
    lines += [" ".join((item.stem, *item.options)) for parts in builtin_evals().values()
              for items in parts.values() for item in items]
    return lines


def tiny_tokenizer():
    """A byte-level BPE tokenizer with ChatML special tokens and chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from .models import CHATML_TEMPLATE

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(_corpus(), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
        chat_template=CHATML_TEMPLATE,
    )


def tiny_random(seed: int = 0):
    """A randomly initialised LlamaForCausalLM (~0.8M parameters) and its tokenizer."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    return model, tokenizer
