"""Markdown building blocks that make source text inert.

Document text is hostile until proven otherwise: HTML is escaped (`<script>` becomes
`&lt;script&gt;`), Markdown-significant characters are backslash-escaped so a quote cannot
open a link, emphasis or code span, and newlines are collapsed so text stays on its line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

# Inline syntax anywhere in a line ("(" and "!" only act after "]" or before "[", both
# escaped); block syntax (#, +, -, =, >, "1.") only matters at its start.
_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MACHINE = re.compile(r"[\w.:/@+\-]+")
_BLOCK_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")


def inline(text: str) -> str:
    """Source text made safe for one line of Markdown (a paragraph, list item or cell)."""
    flat = " ".join(text.split())
    escaped = _INLINE.sub(r"\\\1", html.escape(flat, quote=False))
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def code(text: str) -> str:
    """A code span for machine values (hashes, model ids); anything else is escaped text."""
    flat = " ".join(text.split())
    return f"`{flat}`" if _MACHINE.fullmatch(flat) else inline(flat)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table; cells must already be escaped (use `inline`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(cell or " " for cell in row) + " |" for row in rows)
    return lines


def cite(label: str) -> str:
    """A citation like '(p. 3)' from `Span.label()` (generated, so safe as is)."""
    return f"({label})"
