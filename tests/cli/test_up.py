"""`nurture up` from nothing: no database server, no Redis on PATH, one command, then log in."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.smtp_server import free_port


def _wait_for_line(process: subprocess.Popen[str], pattern: str, lines: list[str], timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(lines)}")


def _wait_for_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.mark.slow
def test_nurture_up_starts_everything_and_the_printed_password_logs_in(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env["PATH"] = str(tmp_path / "empty-path")  # no redis-server to find: the embedded one must serve
    process = subprocess.Popen(
        [sys.executable, "-m", "nurture.cli", "up", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        password = _wait_for_line(process, r"with password: (\S+)", lines, 60).group(1)
        base = f"http://127.0.0.1:{port}"
        _wait_for_http(base + "/login", 30)

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/login").read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": "admin@example.com", "password": password, "csrf_token": csrf})
        response = opener.open(base + "/login", data=form.encode())
        assert response.url.endswith("/leads/")
        assert response.status == 200
        assert (tmp_path / "instance" / "nurture.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    output = "".join(lines) + process.stdout.read()  # type: ignore[union-attr]
    assert code == 0, output
    assert "nurture: stopping" in output
    assert not (tmp_path / "instance" / "redis" / "redis.sock").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)


@pytest.mark.slow
def test_a_second_run_keeps_the_admin_and_prints_no_new_password(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    nurture = [sys.executable, "-m", "nurture.cli"]
    subprocess.run([*nurture, "db", "upgrade"], cwd=tmp_path, env=env, check=True, capture_output=True)
    created = subprocess.run(
        [*nurture, "users", "create", "boss@example.com", "--role", "admin"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    port = free_port()
    process = subprocess.Popen(
        [*nurture, "up", "--port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        _wait_for_line(process, r"running at", lines, 60)
        _wait_for_http(f"http://127.0.0.1:{port}/login", 30)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    output = "".join(lines) + process.stdout.read()  # type: ignore[union-attr]
    assert "password" not in output
