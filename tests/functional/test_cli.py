"""The `veriflow` command line, run as a newcomer or an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veriflow.cli", *args], env={**os.environ, **(env or {})},
        capture_output=True, text=True, check=False,
    )


def test_migrate_then_seed_the_first_superadmin_twice(tmp_path: Path) -> None:
    env = {"SQLITE_PATH": str(tmp_path / "cli.sqlite3"), "VERIFLOW_SUPERADMIN_PASSWORD": "a long admin passphrase"}
    assert run("migrate", env=env).returncode == 0
    first = run("seed-superadmin", "--email", "Root@Example.com", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("superadmin root@example.com (")
    # Idempotent: the same account, the role once
    second = run("seed-superadmin", "--email", "root@example.com", env=env)
    assert second.stdout == first.stdout


def test_seed_refuses_a_weak_password_in_one_line(tmp_path: Path) -> None:
    env = {"SQLITE_PATH": str(tmp_path / "cli.sqlite3"), "VERIFLOW_SUPERADMIN_PASSWORD": "short"}
    run("migrate", env=env)
    done = run("seed-superadmin", "--email", "root@example.com", env=env)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1


def test_rotating_keys_without_the_secret_names_the_setting() -> None:
    done = run("rotate-signing-key", env={"SIGNING_KEYS_SECRET_ARN": ""})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "SIGNING_KEYS_SECRET_ARN" in done.stderr
