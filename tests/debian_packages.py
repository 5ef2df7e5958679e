"""System programs the tests drive (dovecot, Chromium), installed from Debian's packages when missing.

The README's test command must work on a fresh machine: running as root with apt-get, a missing program
is installed once (a file lock keeps two pytest-xdist workers from running apt-get at the same time);
otherwise the caller fails with a hint saying how to install it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

LOCK = Path(tempfile.gettempdir()) / "nurture-tests-apt.lock"


def _found(name: str, path: str) -> str | None:
    return path if os.path.exists(path) else shutil.which(name)


def ensure_installed(name: str, path: str, package: str, hint: str) -> str:
    """The program's path, installing ``package`` with apt-get when it is missing; RuntimeError(hint) if it cannot be."""
    found = _found(name, path)
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError(hint)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker may be installing it right now
        if (found := _found(name, path)) is not None:
            return found
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
            if result.returncode != 0:
                raise RuntimeError(f"{hint}\n{' '.join(command)} failed: {result.stderr[-2000:]}")
    found = _found(name, path)
    if found is None:
        raise RuntimeError(hint)
    return found
