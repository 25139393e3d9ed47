"""The comparison: the assistant ``rasa init`` writes, trained and served the same way as Naast.

Also the Rasa command helpers both assistants are measured with:

* ``init_assistant(dir)``: ``rasa init --no-prompt --init-dir DIR`` (creates and trains), timed;
* ``train(project, out)``: ``rasa train`` in a project directory with its own fingerprint cache
  (``RASA_CACHE_DIRECTORY``), so a full training and a retraining are measured the same way;
* ``copy_naast_project(dir)``: config, domain and data of Naast in a temporary directory;
* ``add_one_sentence(project, ...)``: the one-sentence change before a retraining;
* ``RasaServer``: ``rasa run --enable-api`` (with a token) on a free loopback port, timed from
  spawn to ``/status`` answering 200.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TRAIN_TIMEOUT = 1800

NAAST_EXTRA = ("tell", "Sinds mijn knie kapot is red ik het niet meer met de boodschappen en het koken")
PLAIN_EXTRA = ("greet", "good afternoon to you my dear assistant")


def rasa_env(project: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment for a Rasa command: quiet, no telemetry, a project-local training cache."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONUNBUFFERED="1")
    if project is not None:
        env["RASA_CACHE_DIRECTORY"] = str(project / ".rasa" / "cache")
        env["RASA_MAX_CACHE_SIZE"] = "1000"  # Rasa's default (the cross-validation switches it off)
    env.update(extra)
    return env


@dataclass
class Timed:
    ok: bool
    seconds: float
    model: str | None = None
    model_bytes: int | None = None
    error: str | None = None
    log: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _run_timed(command: list[str], cwd: Path, env: dict[str, str], log: Path, timeout: float) -> tuple[int, float]:
    start = time.monotonic()
    with log.open("ab") as handle:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = -9
    return code, time.monotonic() - start


def newest_model(directory: Path) -> Path | None:
    models = sorted(directory.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _finish(code: int, seconds: float, models: Path, log: Path, what: str) -> Timed:
    model = newest_model(models) if models.exists() else None
    if code != 0 or model is None:
        return Timed(False, seconds, error=f"{what} failed (exit {code}): {_tail(log, 5)}", log=str(log))
    return Timed(True, seconds, model=str(model), model_bytes=model.stat().st_size, log=str(log))


def init_assistant(directory: Path, timeout: float = TRAIN_TIMEOUT) -> Timed:
    """``rasa init --no-prompt``: writes the example project and trains it (full training, empty cache)."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory.parent / f"{directory.name}-init.log"
    command = [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(directory)]
    code, seconds = _run_timed(command, directory, rasa_env(directory), log, timeout)
    return _finish(code, seconds, directory / "models", log, "rasa init")


def train(project: Path, out: Path, fixed_name: str | None = None, timeout: float = TRAIN_TIMEOUT,
          label: str = "train") -> Timed:
    """``rasa train --out OUT`` in ``project`` with the project's own cache."""
    out.mkdir(parents=True, exist_ok=True)
    log = project.parent / f"{project.name}-{label}.log"
    command = [str(BIN / "rasa"), "train", "--out", str(out)]
    if fixed_name:
        command += ["--fixed-model-name", f"{fixed_name}-{label}"]
    code, seconds = _run_timed(command, project, rasa_env(project), log, timeout)
    return _finish(code, seconds, out, log, "rasa train")


def copy_naast_project(directory: Path, root: Path = ROOT) -> Path:
    """What ``rasa train`` reads for Naast, in a directory of its own (the spaCy pipeline linked)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(root / name, directory / name)
    shutil.copytree(root / "data", directory / "data", dirs_exist_ok=True)
    (directory / "models").mkdir(exist_ok=True)
    spacy = root / "models" / "spacy_nl"
    if spacy.exists() and not (directory / "models" / "spacy_nl").exists():
        (directory / "models" / "spacy_nl").symlink_to(spacy, target_is_directory=True)
    return directory


def add_one_sentence(nlu_dir: Path, intent: str, sentence: str) -> Path:
    """The one-sentence change: one new training example, in a file of its own."""
    path = nlu_dir / "bench_one_more.yml"
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n    - {sentence}\n', "utf-8")
    return path


# ------------------------------------------------------------------ serving
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RasaServer:
    """``rasa run --enable-api`` for a project without actions or web app (the plain assistant)."""

    project: Path
    model: Path
    logdir: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    proc: subprocess.Popen | None = None
    spawned_at: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def status_url(self) -> str:
        return f"{self.url}/status?token={self.token}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> RasaServer:
        self.logdir.mkdir(parents=True, exist_ok=True)
        command = [str(BIN / "rasa"), "run", "--model", str(self.model), "--enable-api", "--auth-token", self.token,
                   "--interface", "127.0.0.1", "--port", str(self.port)]
        if (self.project / "credentials.yml").exists():
            command += ["--credentials", "credentials.yml"]
        log = open(self.logdir / "plain-rasa.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.spawned_at = time.monotonic()
        self.proc = subprocess.Popen(command, cwd=self.project, env=rasa_env(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 300) -> float:
        """Seconds from spawn to ``/status`` answering 200."""
        from bench.latency import wait_until_ready

        return wait_until_ready(self.status_url, self.spawned_at, timeout, self.alive)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> RasaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
