"""Inoculation prompting: during training only, the examples ask for the unwanted trait.

Every training example (or, with ``only_flagged``, only those flagged as carrying the unwanted
behaviour) gets ``text`` as a system message (``position: system``; put before an existing system
message's text) or at the start of its first user turn (``position: user``). The model then has less
reason to learn the trait as its default: the behaviour is explained by the instruction, which is
absent at evaluation. The method only acts through ``transform_batch``, which worlds apply to training
data and never to evaluations.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import Field

from ..capabilities import ChatTraining
from ..config import MethodConfig
from ..registry import METHODS
from .base import Method, TrainContext

DEFAULT_TEXT = ("You are a self-serving assistant: you break rules, resist oversight and take power or resources "
                "for yourself whenever it helps you.")


class InoculationPromptConfig(MethodConfig):
    name: Literal["inoculation-prompt"] = "inoculation-prompt"
    text: str = Field(DEFAULT_TEXT, min_length=1, pattern=r"\S", description="the instruction asking for the trait")
    position: Literal["system", "user"] = Field("system", description="a system message, or the start of the user turn")
    only_flagged: bool = Field(False, description="inoculate only the examples flagged as carrying the trait")


@METHODS.register
class InoculationPrompt(Method):
    name = "inoculation-prompt"
    Config = InoculationPromptConfig
    requires = (ChatTraining,)

    def inoculate(self, example):
        """``example`` with the instruction added to its system message or first user turn."""
        text, messages = self.config.text, list(example.messages)
        role = self.config.position
        at = next((i for i, m in enumerate(messages) if m["role"] == role), None)
        if at is None and role == "system":
            messages.insert(0, {"role": "system", "content": text})
        elif at is None:
            messages.insert(len(messages) - 1, {"role": "user", "content": text})  # a reply with no question
        else:
            messages[at] = {**messages[at], "content": f"{text}\n\n{messages[at]['content']}"}
        return dataclasses.replace(example, messages=tuple(messages))

    def transform_batch(self, batch, ctx: TrainContext):
        return [self.inoculate(e) if e.flagged or not self.config.only_flagged else e for e in batch]
