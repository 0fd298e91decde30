"""A database of its own for each benchmark, chosen before Django starts."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent


def bench_database_url(name: str, *, fresh: bool) -> str:
    """PostgreSQL `<db>_bench_<name>` beside DATABASE_URL's database, else a SQLite file."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(base)
        db_name = f"{parsed.path.lstrip('/') or 'practice'}_bench_{name}"
        _ensure_postgres_database(parsed, db_name, fresh=fresh)
        return urlunparse(parsed._replace(path=f"/{db_name}"))
    path = ROOT / "var" / f"bench_{name}.sqlite3"
    path.parent.mkdir(exist_ok=True)
    if fresh and path.exists():
        path.unlink()
    return f"sqlite:///{path}"


def _ensure_postgres_database(parsed, db_name: str, *, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db_name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))
