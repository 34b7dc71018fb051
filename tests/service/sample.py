"""A small document with known content, page by page."""

from __future__ import annotations

from pathlib import Path

from fixtures.pdfgen import make_text_pdf

PAGES = [
    "MASTER SERVICES AGREEMENT\n\nThis Master Services Agreement is entered into by Northwind "
    "Logistics Inc. and Harbor Freight Partners LLC. The parties agree to the terms below.",
    "Margaret Chen, Chief Financial Officer of Northwind Logistics Inc., signed the agreement "
    "in Chicago. She confirmed that the fee of $250,000 would be paid in two installments.",
    "On March 14, 2023, Margaret Chen sent the final invoice to Harbor Freight Partners LLC. "
    "Questions may be sent to billing@northwind.example.com or by phone to (312) 555-0142.",
    "The shipment left Rotterdam on June 2, 2023 and arrived in Chicago ten days later. "
    "David Okafor inspected the containers and reported no damage.",
    "PRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION. Counsel advised Margaret Chen "
    "that the indemnity clause exposes the company to claims from Harbor Freight Partners LLC.",
    "The agreement terminates on December 31, 2025 unless renewed in writing by both parties. "
    "David Okafor will oversee the transition on behalf of Northwind Logistics Inc.",
]


def make_sample_pdf(path: Path) -> Path:
    return make_text_pdf(path, PAGES, title="Master Services Agreement")
