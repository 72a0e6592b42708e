"""What every harness run shares: where it keeps its data, its log line, and the app's SECRET_KEY.

The servers a run starts for itself are in their own modules: `processes` (the registry of child processes,
ports, what /proc says of them), `pg_cluster` (PostgreSQL with pg_stat_statements, the app's database role) and
`redis_server`. Every process is a child of the run in its own session (Ctrl-C in the terminal reaches only the
run) and is stopped by the registry, by process id, when the run ends for any reason. Nothing here imports
Django: the app runs in the children, under bench.settings (production's).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# BENCH_DATA_DIR: another place for the clusters, manifests, logs and key (the smoke test in `make test` uses its own).
DATA = Path(os.environ.get("BENCH_DATA_DIR") or ROOT / ".data" / "bench")


def secret_key(data_dir: Path) -> str:
    """The app's SECRET_KEY for a harness's data directory: HARNESS_SECRET_KEY, else one made once and kept in
    `data_dir/secret-key`. Kept because the seeded template databases are reused from run to run, and what the
    app encrypts or signs with its key (two-step secrets, say) must still read in the next run."""
    import secrets as _secrets

    if os.environ.get("HARNESS_SECRET_KEY"):
        return os.environ["HARNESS_SECRET_KEY"]
    path = data_dir / "secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(_secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def key_fingerprint(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()[:12]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
