"""Publish: train a model with the drafts, test it, and only then put it in front of residents.

``Publisher`` lives in the web app and runs one job at a time in the background:

1. the drafts are checked again (``bot.training.validation``) and written into a project folder
   (``NAAST_TRAINING_DIR``/v<N>, default ``.naast/training/v<N>``, kept with the model);
2. ``rasa train`` in a subprocess, its progress read from its output (``NAAST_MODEL_VERSIONS_DIR``,
   default ``models/versions/naast-v<N>.tar.gz``);
3. the candidate is tested on its own servers (``bot.processes.Servers``: its own Rasa, action server and
   database, so test notes never reach the inbox): the resident personas (``tests.personas.run``,
   ``NAAST_PUBLISH_PERSONAS``) through them and, at the same time, the test conversations
   (``rasa test core --e2e --stories tests/conversations``, ``NAAST_PUBLISH_CONVERSATION_TESTS``);
4. only when all pass, the version is activated (``activated_at``); every Rasa process then loads it
   beside the running model and switches (``bot.training.switch``). When anything fails, the running
   model stays and the version's report says why (in Dutch, with the tools' own output for a developer).

Every version is kept (the file and its row); ``rollback`` activates an earlier one. The model Naast
shipped with becomes version 1 at the first publish, so it can be rolled back to as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.config import ROOT, Settings
from bot.db import session_scope, utcnow
from bot.texts import live
from bot.training import drafts as draft_store
from bot.training.project import write_project
from bot.training.tables import ModelVersionRow
from bot.training.validation import validate

logger = logging.getLogger(__name__)

SHIPPED_MODEL = Path("models") / "naast.tar.gz"
LIVE_STATUSES = ("ready", "shipped")
STATUSES = ("queued", "training", "testing", "failed", "ready", "shipped")  # named by editor.version.status.*
# Rasa's training hooks log every component of the model graph as it is trained or taken from the
# cache (rasa/engine/training/hooks.py): the progress bar counts them.
COMPONENT_DONE = re.compile(r"(Finished training|Restored) component '([^']+)'")


def _component_count(config: Path) -> int:
    """At most how many components ``rasa train`` trains or restores for this config (the pipeline and
    the policies; the tokenizer and the fallback classifier train nothing, so the bar may jump at the end)."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return max(1, len(data.get("pipeline") or []) + len(data.get("policies") or []))


class PublishError(RuntimeError):
    """Why a publish or rollback cannot start (Dutch, for the editor)."""


@dataclass(frozen=True)
class Version:
    id: int
    status: str
    stage: str
    progress: int
    model_path: str | None
    created_at: Any
    created_by: str
    activated_at: Any
    activated_by: str | None
    report: dict[str, Any]

    @property
    def status_name(self) -> str:
        return live.text("editor.version.status." + self.status) if self.status in STATUSES else self.status

    @property
    def model_file(self) -> str:
        return Path(self.model_path).name if self.model_path else ""


def absolute_model_path(version: Version, root: Path = ROOT) -> Path | None:
    if not version.model_path:
        return None
    path = Path(version.model_path)
    return path if path.is_absolute() else root / path


def _version(row: ModelVersionRow) -> Version:
    return Version(row.id, row.status, row.stage, row.progress, row.model_path, row.created_at, row.created_by,
                   row.activated_at, row.activated_by, json.loads(row.report or "{}"))


def versions(engine: Engine) -> list[Version]:
    with session_scope(engine) as session:
        rows = session.execute(select(ModelVersionRow).order_by(ModelVersionRow.id.desc())).scalars()
        return [_version(r) for r in rows]


def get_version(engine: Engine, version_id: int) -> Version | None:
    with session_scope(engine) as session:
        row = session.get(ModelVersionRow, version_id)
        return _version(row) if row else None


def live_version(engine: Engine) -> Version | None:
    with session_scope(engine) as session:
        row = session.execute(select(ModelVersionRow).where(ModelVersionRow.activated_at.is_not(None))
                              .order_by(ModelVersionRow.activated_at.desc(), ModelVersionRow.id.desc())
                              .limit(1)).scalars().first()
        return _version(row) if row else None


def _update(engine: Engine, version_id: int, **values: Any) -> None:
    if "report" in values:
        values["report"] = json.dumps(values["report"], ensure_ascii=False, default=str)
    with session_scope(engine) as session:
        row = session.get(ModelVersionRow, version_id)
        for key, value in values.items():
            setattr(row, key, value)


def _stored_path(path: Path, root: Path) -> str:
    """Relative to the project when inside it (the folder can move), else absolute."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _ensure_shipped(engine: Engine, root: Path, versions_dir: Path) -> None:
    """The model Naast runs before any publish becomes a version too (so it can be rolled back to)."""
    with session_scope(engine) as session:
        if session.execute(select(ModelVersionRow.id).limit(1)).first() is not None:
            return
        now = utcnow()
        row = ModelVersionRow(created_at=now, created_by="systeem", status="shipped", stage="meegeleverd model",
                              progress=100, report="{}", activated_at=now, activated_by="systeem")
        session.add(row)
        session.flush()
        target = versions_dir / f"naast-v{row.id}.tar.gz"
        versions_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / SHIPPED_MODEL, target)
        row.model_path = _stored_path(target, root)


def rollback(engine: Engine, version_id: int, actor: str) -> Version:
    """Put an earlier tested version in front again; the drafts of later versions become drafts again."""
    with session_scope(engine) as session:
        row = session.get(ModelVersionRow, version_id)
        if row is None or row.status not in LIVE_STATUSES or not row.model_path:
            raise PublishError(live.text("editor.publishing.no_such_version", engine))
        row.activated_at, row.activated_by = utcnow(), actor
    draft_store.reopen_after(engine, version_id)
    return get_version(engine, version_id)  # type: ignore[return-value]


class Publisher:
    """The one background publish job of a web app."""

    def __init__(self, engine: Engine, settings: Settings, root: Path = ROOT) -> None:
        self.engine, self.settings, self.root = engine, settings, root
        self.task: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def fail_stale(self) -> None:
        """At start-up: a job that was running when the web app stopped will not finish."""
        with session_scope(self.engine) as session:
            for row in session.execute(select(ModelVersionRow).where(
                    ModelVersionRow.status.in_(("queued", "training", "testing")))).scalars():
                row.status, row.stage = "failed", live.text("editor.publishing.stage_aborted", self.engine)

    async def start(self, actor: str) -> int:
        if self.busy:
            raise PublishError(live.text("editor.publishing.busy", self.engine))
        open_drafts = [d for d in await asyncio.to_thread(draft_store.all_drafts, self.engine) if d.state == "open"]
        if not open_drafts:
            raise PublishError(live.text("editor.publishing.nothing_new", self.engine))
        await asyncio.to_thread(_ensure_shipped, self.engine, self.root, self.settings.model_versions_dir)
        version_id = await asyncio.to_thread(self._new_row, actor)
        self.task = asyncio.create_task(self._run(version_id, actor))
        return version_id

    def _new_row(self, actor: str) -> int:
        with session_scope(self.engine) as session:
            row = ModelVersionRow(created_at=utcnow(), created_by=actor, status="queued",
                                  stage=live.text("editor.publishing.stage_queued", self.engine),
                                  progress=0, report="{}")
            session.add(row)
            session.flush()
            return row.id

    async def _run(self, version_id: int, actor: str) -> None:
        report: dict[str, Any] = {"actor": actor}
        try:
            await self._publish(version_id, report)
        except Exception as error:  # noqa: BLE001 - any failure leaves the running model in front
            logger.exception("publish of version %d failed", version_id)
            report.setdefault("reason", live.text("editor.publishing.failed", self.engine))
            report.setdefault("detail", f"{type(error).__name__}: {error}")
            await asyncio.to_thread(_update, self.engine, version_id, status="failed", report=report,
                                    stage=live.text("editor.publishing.failed_stage", self.engine,
                                                    reason=report["reason"][:150]))

    async def _publish(self, version_id: int, report: dict[str, Any]) -> None:
        drafts = await asyncio.to_thread(draft_store.all_drafts, self.engine)
        report["drafts"] = {d.intent: d.version for d in drafts if d.state == "open"}
        await self._stage(version_id, "training", live.text("editor.publishing.stage_checking", self.engine), 2, report)
        findings = await asyncio.to_thread(validate, drafts, self.root)
        if findings:
            report["reason"] = live.text("editor.publishing.check_failed", self.engine,
                                         problems=" ".join(f.message for f in findings))
            raise PublishError(report["reason"])
        project = await asyncio.to_thread(write_project, self.settings.training_dir / f"v{version_id}", drafts,
                                          self.root)
        model = self.settings.model_versions_dir / f"naast-v{version_id}.tar.gz"
        await self._train(version_id, project, model, report)
        await self._stage(version_id, "testing", live.text("editor.publishing.stage_testing", self.engine), 72, report)
        problems = await self._test(version_id, model, report)
        if problems:
            report["reason"] = live.text("editor.publishing.tests_failed", self.engine, problems=" ".join(problems))
            raise PublishError(report["reason"])
        await asyncio.to_thread(_update, self.engine, version_id, status="ready",
                                model_path=_stored_path(model, self.root),
                                progress=100, stage=live.text("editor.publishing.stage_done", self.engine),
                                report=report,
                                activated_at=utcnow(), activated_by=report.get("actor", "beheerder"))
        await asyncio.to_thread(draft_store.mark_published, self.engine, report["drafts"], version_id)
        logger.info("version %d published", version_id)

    async def _stage(self, version_id: int, status: str, stage: str, progress: int, report: dict[str, Any]) -> None:
        await asyncio.to_thread(_update, self.engine, version_id, status=status, stage=stage, progress=progress,
                                report=report)

    async def _train(self, version_id: int, project: Any, model: Path, report: dict[str, Any]) -> None:
        command = [str(Path(sys.executable).parent / "rasa"), "train", "--config", str(project.config),
                   "--domain", str(project.domain), "--data", str(project.data), "--out", str(model.parent),
                   "--fixed-model-name", model.name.removesuffix(".tar.gz")]
        await self._stage(version_id, "training", live.text("editor.publishing.stage_training", self.engine), 5, report)
        tail: list[str] = []
        total = _component_count(project.config)
        done: list[str] = []

        async def progress(line: str) -> None:
            if found := COMPONENT_DONE.search(line):
                done.append(found.group(2))
                percent = min(100, 100 * len(done) // total)
                await self._stage(version_id, "training",
                                  live.text("editor.publishing.stage_training_percent", self.engine, percent=percent),
                                  5 + percent * 65 // 100, report)

        code = await _run_streaming(command, self.root, progress, tail)
        if code != 0 or not model.exists():
            report["reason"] = live.text("editor.publishing.training_failed", self.engine)
            report["detail"] = "\n".join(tail[-30:])
            raise PublishError(report["reason"])

    async def _test(self, version_id: int, model: Path, report: dict[str, Any]) -> list[str]:
        problems: list[str] = []
        jobs = []
        if self.settings.publish_conversation_tests:
            jobs.append(self._conversation_tests(model, report, problems))
        if self.settings.publish_personas.strip():
            jobs.append(self._persona_tests(model, report, problems))
        await asyncio.gather(*jobs)
        return problems

    async def _conversation_tests(self, model: Path, report: dict[str, Any], problems: list[str]) -> None:
        with tempfile.TemporaryDirectory(prefix="naast-publish-test-") as out:
            command = [str(Path(sys.executable).parent / "rasa"), "test", "core", "--model", str(model),
                       "--stories", "tests/conversations", "--e2e", "--out", out, "--no-plot"]
            tail: list[str] = []
            code = await _run_streaming(command, self.root, None, tail)
            failed = Path(out) / "failed_test_stories.yml"
            details = failed.read_text(encoding="utf-8") if failed.exists() else ""
            stories = [line for line in details.splitlines() if line.startswith("- story:")]
            report["conversation_tests"] = {"exit": code, "failed": len(stories), "detail": details[:4000]}
            if code != 0 or stories:
                problems.append(live.text("editor.publishing.conversations_failed", self.engine, count=len(stories))
                                if stories else live.text("editor.publishing.conversations_failed_some", self.engine))

    async def _persona_tests(self, model: Path, report: dict[str, Any], problems: list[str]) -> None:
        from bot.processes import Servers

        with tempfile.TemporaryDirectory(prefix="naast-publish-personas-") as folder:
            servers = Servers(Path(folder), model=model, with_web=False, die_with_parent=True)
            try:
                await asyncio.to_thread(servers.start)
                out = Path(folder) / "personas.json"
                command = [sys.executable, "-m", "tests.personas.run", "--rasa-url", servers.rasa_url,
                           "--database-url", servers.settings.database_url, "--out", str(out), "--workers", "2"]
                only = self.settings.publish_personas.split()
                if only != ["all"]:
                    command += ["--only", *only]
                tail: list[str] = []
                code = await _run_streaming(command, self.root, None, tail)
                summary = json.loads(out.read_text(encoding="utf-8")).get("totals", {}) if out.exists() else {}
                report["personas"] = {"exit": code, "totals": summary, "detail": "\n".join(tail[-40:])}
                if code != 0:
                    problems.append(live.text("editor.publishing.personas_failed", self.engine,
                                              faithful=summary.get("faithful_share"), loops=summary.get("loops"),
                                              false_crisis=summary.get("false_crisis_replies")))
            finally:
                await asyncio.to_thread(servers.stop)


async def _run_streaming(command: list[str], cwd: Path, on_line: Callable[[str], Any] | None, tail: list[str]) -> int:
    """Run ``command``, handing every output line (also tqdm's \\r-separated ones) to ``on_line``."""
    from bot.cli import server_environment
    from bot.processes import end_with_parent

    env = server_environment(Settings.load())
    env["PYTHONPATH"] = str(cwd)
    process = await asyncio.create_subprocess_exec(*command, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT, start_new_session=True,
                                                   preexec_fn=end_with_parent)  # noqa: PLW1509
    buffer = b""
    try:
        assert process.stdout is not None
        while chunk := await process.stdout.read(4096):
            buffer += chunk
            *lines, buffer = re.split(rb"[\r\n]", buffer)
            for raw in lines:
                line = raw.decode("utf-8", "replace").strip()
                if not line:
                    continue
                tail.append(line)
                del tail[:-200]
                if on_line is not None:
                    await on_line(line)
        return await process.wait()
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
