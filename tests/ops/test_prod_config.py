"""The production topology's settings and generated configuration, without starting it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot import prod
from bot.config import ConfigError, Settings
from bot.supervision import supervisord_config

SECRET_VALUES = {"rasa_token": "r" * 32, "secret_key": "s" * 40, "action_token": "a" * 32}


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    if prod.missing_programs():
        pytest.skip(f"needs {', '.join(prod.missing_programs())}: run scripts/system-packages.sh")
    return Settings.load(profile="prod", prod_dir=tmp_path / "prod", **{**SECRET_VALUES, **overrides})


def test_prod_points_every_part_at_the_local_cluster_and_nginx(tmp_path: Path) -> None:
    settings = _settings(tmp_path, rasa_replicas=3, prod_port_base=21000)
    layout = prod.Layout(settings)
    assert settings.database_url.startswith("postgresql+psycopg2://naast:") and \
        settings.database_url.endswith("@127.0.0.1:21000/naast")
    assert settings.tracker_db_url.endswith("@127.0.0.1:21000/naast_tracker")
    assert str(settings.rasa_url) == f"http://127.0.0.1:{settings.rasa_port}"  # nginx, not a replica
    assert layout.rasa_ports == [21010, 21011, 21012]
    assert settings.run_dir == layout.run_dir


@pytest.mark.parametrize(("overrides", "message"), [
    ({"host": "0.0.0.0"}, "loopback only"),  # noqa: S104 - the value that must be refused
    ({"web_port": 15010}, "ports overlap"),
])
def test_wrong_prod_settings_stop_the_start_with_a_clear_message(tmp_path: Path, overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(tmp_path, **overrides)


def test_nginx_accepts_the_generated_configuration(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    layout = prod.Layout(settings)
    layout.nginx_dir.mkdir(parents=True)
    text = prod.nginx_config(layout)
    (layout.nginx_dir / "nginx.conf").write_text(text)
    assert "daemon off;" in text and "hash $naast_conversation consistent;" in text
    assert "hash $remote_addr consistent;" in text and "proxy_set_header Upgrade $http_upgrade;" in text
    assert "keepalive" not in text  # see bot/prod.py: a cached connection to a dead replica is not failover
    result = subprocess.run([prod.nginx_binary(), "-t", "-p", str(layout.nginx_dir), "-c",
                             str(layout.nginx_dir / "nginx.conf"), "-e", "stderr"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr


def test_every_part_is_a_supervised_program(tmp_path: Path) -> None:
    settings = _settings(tmp_path, rasa_replicas=2, web_replicas=2)
    layout = prod.Layout(settings)
    programs = prod.programs(settings, layout)
    names = [program.name for program in programs]
    assert names == ["postgres", "redis", "nginx", "rasa_1", "rasa_2", "actions_1", "web_1", "web_2", "delivery"]
    text = supervisord_config(programs, layout.run_dir)
    assert text.count("autorestart=true") >= len(names)
    assert 'environment=NAAST_WEB_PORT="15051"' in text
    rasa = next(program for program in programs if program.name == "rasa_2")
    assert "endpoints.prod.yml" in rasa.command and str(layout.rasa_ports[1]) in rasa.command
