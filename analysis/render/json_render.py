"""Canonical JSON: schema field order, spans without nulls, UTF-8, indent 2, newline at end.

A span serialises as `{"page_start", "page_end"}` or `{"start_s", "end_s"}` only, as the
public contract says. Free-form dictionaries (custody details, per-provider totals) have their
keys sorted so the same report always renders to the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from analysis.schema import Report

_SPAN_KEYS = frozenset({"start_s", "end_s", "page_start", "page_end"})


def report_to_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data, exactly as `render_json` writes it."""
    data: dict[str, Any] = _strip_span_nulls(json.loads(report.model_dump_json()))
    for event in data.get("custody", []):
        event["detail"] = _sort_keys(event.get("detail", {}))
    totals = data.get("processing", {}).get("totals", {})
    if "by_provider" in totals:
        totals["by_provider"] = _sort_keys(totals["by_provider"])
    return data


def render_json(report: Report) -> str:
    return json.dumps(report_to_data(report), ensure_ascii=False, indent=2) + "\n"


def _strip_span_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == _SPAN_KEYS:
            return {k: v for k, v in value.items() if v is not None}
        return {k: _strip_span_nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_span_nulls(item) for item in value]
    return value


def _sort_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sort_keys(item) for item in value]
    return value
