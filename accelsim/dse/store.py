"""Embedded result store: SQLite, one row per design point keyed by the hash of its configuration.

Each finished point is committed in its own transaction (WAL journal), so a sweep killed at any moment
(even ``kill -9``) keeps every point it committed, and a re-run skips them: every point ends up present
exactly once (the key is the primary key; inserts are ``INSERT OR IGNORE``).
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY,
    sweep TEXT NOT NULL,
    network TEXT NOT NULL,
    config TEXT NOT NULL,
    metrics TEXT NOT NULL,
    feasible INTEGER NOT NULL,
    finished_unix_s REAL NOT NULL
)
"""


def _json_safe(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in metrics.items()}


class ResultStore:
    """SQLite store of design-point results."""

    def __init__(self, path: str | Path) -> None:
        from accelsim.errors import AccelsimInputError

        self.path = Path(path)
        if not self.path.resolve().parent.is_dir():
            raise AccelsimInputError("store", f"directory does not exist: {self.path.resolve().parent}")
        try:
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute(SCHEMA)
            self.conn.commit()
        except sqlite3.DatabaseError as exc:
            raise AccelsimInputError("store", f"{self.path} is not a usable SQLite store ({exc})") from None

    def done_keys(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT key FROM points")}

    def add(self, key: str, sweep: str, network: str, config: dict, metrics: dict, feasible: bool) -> None:
        """Insert one point and commit (a point is either fully stored or absent)."""
        self.conn.execute(
            "INSERT OR IGNORE INTO points VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, sweep, network, json.dumps(config, default=str), json.dumps(_json_safe(metrics)),
             int(feasible), time.time()),
        )  # fmt: skip
        self.conn.commit()

    def rows(self, sweep: str | None = None) -> list[dict[str, Any]]:
        """Every stored point as a flat dict: key, sweep, network, feasible, config fields, metrics."""
        query = "SELECT key, sweep, network, config, metrics, feasible FROM points"
        args: tuple = ()
        if sweep is not None:
            query += " WHERE sweep = ?"
            args = (sweep,)
        out = []
        for key, sw, network, config, metrics, feasible in self.conn.execute(query + " ORDER BY rowid", args):
            row: dict[str, Any] = {"key": key, "sweep": sw, "network": network, "feasible": bool(feasible)}
            row.update(json.loads(config))
            row.update({k: (math.nan if v is None else v) for k, v in json.loads(metrics).items()})
            out.append(row)
        return out

    def dataframe(self, sweep: str | None = None):
        """The stored points as a pandas DataFrame (for notebooks)."""
        import pandas as pd

        return pd.DataFrame(self.rows(sweep))

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM points").fetchone()[0])

    def close(self) -> None:
        self.conn.close()
