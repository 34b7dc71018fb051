"""Markdown building blocks that make source text inert.

Document text is hostile until proven otherwise: `<` and `>` become `&lt;` and `&gt;`
(`<script>` stays text, no autolink or raw HTML can open), Markdown-significant characters are
backslash-escaped so a quote cannot open a link, emphasis or code span, and newlines are
collapsed so text stays on its line. `&` is escaped only where it would start a character
reference (`&amp;`, `&#60;`, `&lt;`): "Harbor & Vale LLP" stays readable in the .md file,
while a source that literally says "&lt;" still shows "&lt;" once rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Inline syntax anywhere in a line ("(" and "!" only act after "]" or before "[", both
# escaped); block syntax (#, +, -, =, >, "1.") only matters at its start.
_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MACHINE = re.compile(r"[\w.:/@+\-]+")
_BLOCK_START = re.compile(r"^(\s*)(?:([#+\-=>])|(\d+)([.)]))")
# What CommonMark (and HTML) would read as a character reference: named, decimal or hex.
_REFERENCE = re.compile(r"&(?=[A-Za-z][A-Za-z0-9]{1,31};|#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};)")


def inert_html(text: str) -> str:
    """`<`, `>` and reference-starting `&` escaped; every other character left as it is."""
    return _REFERENCE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def clock(seconds: float) -> str:
    """'HH:MM:SS', the form `Span.label()` uses."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def inline(text: str) -> str:
    """Source text made safe for one line of Markdown (a paragraph, list item or cell)."""
    flat = " ".join(text.split())
    escaped = _INLINE.sub(r"\\\1", inert_html(flat))
    return _BLOCK_START.sub(_escape_block_start, escaped)


def _escape_block_start(match: re.Match[str]) -> str:
    """'# x' becomes '\\# x' and '1. x' becomes '1\\. x' (a backslash escapes punctuation only)."""
    space, mark, number, dot = match.groups()
    return f"{space}\\{mark}" if mark else f"{space}{number}\\{dot}"


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
