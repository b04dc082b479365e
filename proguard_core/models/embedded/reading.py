"""How much of a text the embedded guard can read.

MiniLM was trained on English prose, and the guard's heads on English prose and chat. Text in
another script (Chinese, Russian, Arabic, ...) reaches it as a string of rare word pieces, and
source code as a string of symbols; either way its embedding says little about what the text
asks, and a head will happily find a risk in it. The guard measures the share of a text it can
read and treats text that is mostly unreadable differently (``EmbeddedGuard(unreadable=...)``):
by default it still judges it, but only a score well above the usual threshold flags it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters that are frequent in source code and rare in prose. Prose punctuation (. , ! ? ' " -
# :) is left out, so that a long English sentence with quotes scores near zero.
_CODE_CHARACTERS = frozenset("{}[]()<>=;*/\\|&^%$#@~`_+")
# Above this share of non-space characters, a text is read as mostly code: a Python function
# is about 0.15-0.25, English prose with a few parentheses under 0.03.
CODE_SHARE = 0.08
# Below this share of letters in the Latin script, a text is read as mostly another script.
LATIN_SHARE = 0.5


@lru_cache(maxsize=4096)
def _is_latin(character: str) -> bool:
    return "LATIN" in unicodedata.name(character, "")


@dataclass(frozen=True)
class Reading:
    """``latin``: share of letters in the Latin script; ``code``: share of non-space characters
    typical of code. ``readable`` is False when the text is mostly another script or mostly code."""

    latin: float
    code: float

    @property
    def readable(self) -> bool:
        return self.latin >= LATIN_SHARE and self.code <= CODE_SHARE

    @property
    def reason(self) -> str:
        if self.latin < LATIN_SHARE:
            return f"mostly not in the Latin script ({100 * (1 - self.latin):.0f}% of letters)"
        if self.code > CODE_SHARE:
            return f"mostly code ({100 * self.code:.0f}% code symbols)"
        return "readable"


def reading(text: str) -> Reading:
    letters = 0
    latin = 0
    visible = 0
    code = 0
    for character in text:
        if character.isspace():
            continue
        visible += 1
        if character in _CODE_CHARACTERS:
            code += 1
        elif character.isalpha():
            letters += 1
            if character.isascii() or _is_latin(character):
                latin += 1
    return Reading(latin=latin / letters if letters else 1.0, code=code / visible if visible else 0.0)


__all__ = ["CODE_SHARE", "LATIN_SHARE", "Reading", "reading"]
