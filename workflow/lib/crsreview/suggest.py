"""'Did you mean ...?' for misspelt names and values (stdlib difflib; no fuzzy-matching package)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# Similarity below this is a different word, not a typo (difflib's own default is 0.6).
CUTOFF = 0.6


def _squash(text: str) -> str:
    """Case, spaces and punctuation removed: 'IL6', 'il-6' and 'IL 6' all become 'il6'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def nearest(value: object, allowed: Iterable[str]) -> str | None:
    """The allowed value closest to `value`, or None when nothing is close."""
    text = str(value)
    options = sorted(set(allowed))
    squashed = _squash(text)
    same = [o for o in options if _squash(o) == squashed]
    if same:
        return same[0]
    # Word-level aliases a clinician would type: `age` -> `age_years`, `sessions` -> `pe_sessions`.
    prefixed = [o for o in options if squashed and _squash(o).startswith(squashed)]
    if prefixed:
        return min(prefixed, key=lambda o: (len(o), o))
    lowered = {o.lower(): o for o in options}
    match = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=CUTOFF)
    if match:
        return lowered[match[0]]
    contained = [o for o in options if len(_squash(o)) >= 4 and _squash(o) in squashed]
    return max(contained, key=len) if contained else None


def did_you_mean(value: object, allowed: Iterable[str]) -> str:
    """' (did you mean 'X'?)' or '' — appended to a reason."""
    best = nearest(value, allowed)
    return f" (did you mean {best!r}?)" if best is not None and best != value else ""
