"""A reply in the asker's own words: what a slip was read as, Traditional characters for a question in
Traditional characters (the words quoted from a source stay as the source has them), an English lead
for a question in English. Applied to each part, so every channel renders the same words."""

from __future__ import annotations

import re
from dataclasses import replace

import opencc

from bot.answering.reply import SAME_LINE, Part, Reply
from bot.answering.templates import Templates
from bot.understanding.message import Message

_QUOTED = re.compile(r"“[^”]*”")


class Wording:
    def __init__(self, templates: Templates) -> None:
        self.templates = templates
        self._s2t = opencc.OpenCC("s2t")

    def apply(self, reply: Reply, msg: Message) -> None:
        t = self.templates
        if msg.slips and reply.answered and reply.kind != "chat":
            terms = "、".join(dict.fromkeys(s.term for s in msg.slips))
            reply.parts.insert(0, Part("lead", t.render("understood_as", terms=terms)))
        if msg.script == "traditional":
            reply.parts = self.traditional(reply.parts)
        elif msg.script == "english" and reply.kind not in ("chat", "invalid"):
            first = [replace(reply.parts[0], sep=SAME_LINE), *reply.parts[1:]] if reply.parts else []
            lead = "english_lead" if reply.answered else "english_decline_lead"  # a decline cites nothing
            reply.parts = [Part("lead", t.render(lead)), *first]

    def traditional(self, parts: list[Part]) -> list[Part]:
        """The parts in Traditional characters, except the words they quote from a source (a quote part, and
        anything between “ and ”: a quote within a part is always marked so), which stay verbatim."""
        quoted = {q for p in parts for q in _QUOTED.findall(p.text)}
        keep = sorted({*(p.text for p in parts if p.role == "quote"), *quoted}, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(k) for k in keep)) if keep else None

        def convert(text: str) -> str:
            if pattern is None:
                return str(self._s2t.convert(text))
            out, at = [], 0
            for m in pattern.finditer(text):
                out += [self._s2t.convert(text[at:m.start()]), m[0]]
                at = m.end()
            out.append(self._s2t.convert(text[at:]))
            return "".join(out)

        return [replace(p, text=convert(p.text), source=p.source and replace(
            p.source, title=convert(p.source.title), publication=convert(p.source.publication)))
                for p in parts]
