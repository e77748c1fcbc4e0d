"""The files of docs/deploy.md are checked by the tools that will read them: systemd's own verifier for the
units, nginx's configuration test for the reverse proxy (with a throw-away certificate), and Guichet's
settings for the environment file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.settings import FIELDS, REPO, Settings

DEPLOY = REPO / "deploy"


def installed(unit: Path, into: Path) -> Path:
    """The unit as it would be installed, pointed at this checkout (its venv exists here, /srv/guichet does not)."""
    text = (unit.read_text().replace("/srv/guichet", str(REPO)).replace("/etc/guichet/guichet.env", str(into / "env"))
            .replace("User=guichet", "User=root").replace("Group=guichet", "Group=root")
            .replace("/var/lib/guichet", str(into)))
    target = into / unit.name
    target.write_text(text)
    return target


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not on this machine")
@pytest.mark.parametrize("unit", sorted((DEPLOY / "systemd").iterdir()), ids=lambda path: path.name)
def test_systemd_accepts_each_unit(unit, tmp_path):
    (tmp_path / "env").write_text((DEPLOY / "guichet.env.example").read_text())
    checked = installed(unit, tmp_path)
    if unit.suffix == ".timer":
        installed(unit.with_suffix(".service"), tmp_path)

    result = subprocess.run(["systemd-analyze", "verify", str(checked)], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "ignoring" not in result.stderr, result.stderr


def test_every_unit_runs_a_command_guichet_has():
    commands = {line.split("=", 1)[1].split()[1] for unit in (DEPLOY / "systemd").glob("*.service")
                for line in unit.read_text().splitlines() if line.startswith("ExecStart=") and "/guichet " in line}
    result = subprocess.run([str(REPO / ".venv" / "bin" / "guichet"), "--help"], capture_output=True, text=True)

    assert commands == {"worker", "smtp", "backup"}
    assert all(f"  {command} " in result.stdout for command in commands), result.stdout


def test_the_example_environment_names_only_real_settings_and_parses():
    values = {}
    for line in (DEPLOY / "guichet.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip('"')

    assert set(values) <= set(FIELDS), set(values) - set(FIELDS)
    assert values["GUICHET_CONFIG_DIR"] == "/etc/guichet/config"  # the town's copy; the shipped one stands in here
    settings = Settings.from_env(values | {"GUICHET_CONFIG_DIR": str(REPO / "config")})
    assert settings.log_format == "json" and settings.trusted_proxies == 1


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_accepts_the_reverse_proxy(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=signalement.valmont.fr", "-keyout", str(tmp_path / "key.pem"), "-out",
                    str(tmp_path / "cert.pem")], check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "guichet.conf").read_text().replace(
        "/etc/letsencrypt/live/signalement.valmont.fr/fullchain.pem", str(tmp_path / "cert.pem")).replace(
        "/etc/letsencrypt/live/signalement.valmont.fr/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "guichet.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/guichet.conf;\n}}\n")

    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
