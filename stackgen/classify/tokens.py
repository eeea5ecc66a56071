"""Stage 1 of `stackgen classify`: a log line in, its words out.

A word is a maximal run of letters and digits (Unicode `\\w` without `_`), lowercased, kept only
when it holds no digit. So numbers, IP addresses, ports, pids, timestamps and hex ids with a digit
(`0x7f3a`, `a3f9c2`) are dropped whole, not cut into letter fragments; a hex id made only of the
letters a-f (`deadbeef`) cannot be told from a word and is kept. Punctuation, `_` included,
separates words: `pam_unix(sshd:auth)` gives `pam unix sshd auth`. Words of one letter are kept.

N-grams are runs of n consecutive words of one line, joined by one space (words never hold one).
"""
from __future__ import annotations

import re

__all__ = ["words", "ngrams"]

# a run of letters with no letter or digit on either side: a run holding a digit never matches
_WORD = re.compile(r"(?<![^\W_])[^\W\d_]+(?![^\W_])")


def words(line: str) -> list[str]:
    """The line's words, in order (repeats kept)."""
    return _WORD.findall(line.lower())


def ngrams(tokens: list[str], n: int) -> list[str]:
    """The runs of `n` consecutive words of one line, each joined by a space."""
    if n < 2:
        return list(tokens)
    return [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
