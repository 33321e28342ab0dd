"""Messages that are not questions: a command, greetings and thanks only. Decided by exact rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.message import asks

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
        # the phrases that thank ("谢谢", "多谢", "thank you"), not those that only acknowledge ("好的")
        self.gratitude = [p for p, k in self.phrases if k == "thanks" and re.search(r"谢|thank", p)]

    def read(self, text: str) -> Smalltalk | None:
        command = _COMMAND.match(text.strip())
        if command:
            name = command[1].lower()
            return Smalltalk("help") if name in self.HELP_COMMANDS else Smalltalk("command", name)
        rest = _NOISE.sub("", text.lower())
        if not rest:
            return None
        kinds: list[str] = []
        whole = rest
        while rest:
            hit = next(((p, k) for p, k in self.phrases if rest.startswith(p)), None)
            if hit is None:
                return self._thanks_in_own_words(text, whole)
            kinds.append(hit[1])
            rest = rest[len(hit[0]):]
        return Smalltalk("thanks" if "thanks" in kinds else "greeting")

    def _thanks_in_own_words(self, text: str, rest: str) -> Smalltalk | None:
        """"谢谢你啊 帮大忙了🙏", "多谢晒，帮咗好多": a short message that thanks and neither asks nor tells
        a figure is thanks, whatever else it says in its own words."""
        if len(rest) > THANKS_MAX_CHARS or re.search(r"\d", rest) or asks(text):
            return None
        return Smalltalk("thanks") if any(p in rest for p in self.gratitude) else None


THANKS_MAX_CHARS = 24  # longer than a line of thanks: a message that says something
