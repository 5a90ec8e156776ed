"""Exports of companies, written by the server into its exports folder under a name it chooses.

The app never names a path: it asks for an export and learns the file's name, which the head
of sales collects from the exports folder (docs/deploy-ssh.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .operations import operation


@dataclass(frozen=True)
class ExportFilter:
    stage: str | None = None  # cold | pipeline | account
    category: str | None = None  # potential | active | lost | refused | do_not_call
    channel: str | None = None
    industry: str | None = None
    city: str | None = None
    owner_id: int | None = None
    abcde_class: str | None = None

    def describe(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class ExportReport:
    path: str
    format: str
    rows: int


@operation("exporter.export_companies")
def export_companies(fmt: Literal["csv", "xlsx"] = "csv", flt: ExportFilter = ExportFilter()) -> ExportReport:
    """Write the companies matching *flt* to a new file in the exports folder; the report names the file."""
