"""What an import or deletion of fact-checks did (index/factcheck_build.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FactCheckReport:
    index_dir: Path
    fact_checks: int  # in the new version
    added: int = 0
    replaced: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    version: str | None = None
    previous: str | None = None
    seconds: float = 0.0
    up_to_date: bool = False  # nothing changed: no new version was written
    pruned: list[str] = field(default_factory=list)
