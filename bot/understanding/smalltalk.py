"""Messages that are not questions: a command, greetings and thanks only. Decided by exact rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOISE = re.compile(r"[\s\W_啊呀哦噢嗯哈啦嘛呢吧哇诶呐]+", re.UNICODE)
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?\s*$")


@dataclass(frozen=True)
class Smalltalk:
    kind: str  # "greeting" | "thanks" | "help" | "command"
    command: str = ""


class SmalltalkReader:
    """Recognises a message made only of greeting or thanks phrases (from knowledge/intents.yaml)."""

    HELP_COMMANDS = ("help", "start")

    def __init__(self, greetings: list[str], thanks: list[str]) -> None:
        self.phrases = sorted(((_NOISE.sub("", p.lower()), kind) for kinds in (("greeting", greetings),
                                                                                 ("thanks", thanks))
                               for kind in (kinds[0],) for p in kinds[1]), key=lambda pk: -len(pk[0]))
        self.phrases = [(p, k) for p, k in self.phrases if p]

    def read(self, text: str) -> Smalltalk | None:
        command = _COMMAND.match(text.strip())
        if command:
            name = command[1].lower()
            return Smalltalk("help") if name in self.HELP_COMMANDS else Smalltalk("command", name)
        rest = _NOISE.sub("", text.lower())
        if not rest:
            return None
        kinds: list[str] = []
        while rest:
            hit = next(((p, k) for p, k in self.phrases if rest.startswith(p)), None)
            if hit is None:
                return None
            kinds.append(hit[1])
            rest = rest[len(hit[0]):]
        return Smalltalk("thanks" if "thanks" in kinds else "greeting")
