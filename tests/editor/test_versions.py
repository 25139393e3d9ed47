"""Model versions in Naast's database: which one each Rasa process loads, rollback, stale jobs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.db import session_scope, utcnow
from bot.training import drafts as draft_store
from bot.training import publish
from bot.training.switch import published_model
from bot.training.tables import ModelVersionRow


def _row(engine, tmp_path: Path, status: str, activated: dt.datetime | None, name: str) -> int:  # noqa: ANN001
    model = tmp_path / name
    model.write_bytes(b"model")
    with session_scope(engine) as session:
        row = ModelVersionRow(created_at=utcnow(), created_by="t", status=status, stage="", progress=100,
                              model_path=str(model), report=json.dumps({}), activated_at=activated,
                              activated_by="t" if activated else None)
        session.add(row)
        session.flush()
        return row.id


def test_the_live_model_is_the_most_recently_activated(engine, tmp_path: Path) -> None:  # noqa: ANN001
    assert published_model(engine) is None
    now = utcnow()
    first = _row(engine, tmp_path, "shipped", now - dt.timedelta(hours=2), "v1.tar.gz")
    second = _row(engine, tmp_path, "ready", now - dt.timedelta(hours=1), "v2.tar.gz")
    _row(engine, tmp_path, "failed", None, "v3.tar.gz")
    assert published_model(engine).id == second
    publish.rollback(engine, first, "beheer")
    live = published_model(engine)
    assert live.id == first and live.path == tmp_path / "v1.tar.gz"
    with pytest.raises(publish.PublishError, match="geteste versie"):
        publish.rollback(engine, 3, "beheer")  # a failed version is never put in front


def test_without_the_table_rasa_keeps_its_model(tmp_path: Path) -> None:
    assert published_model(create_engine(f"sqlite:///{tmp_path / 'empty.db'}")) is None


def test_a_rollback_makes_later_published_drafts_drafts_again(engine) -> None:  # noqa: ANN001
    draft = draft_store.save_draft(engine, draft_store.Draft("greet", ("hoi allemaal",)), expected_version=0,
                                   editor="eva")
    draft_store.mark_published(engine, {"greet": draft.version}, 5)
    assert draft_store.get_draft(engine, "greet").state == "published"
    draft_store.reopen_after(engine, 4)
    assert draft_store.get_draft(engine, "greet").state == "open"


def test_a_job_that_was_running_when_the_web_app_stopped_is_marked_failed(engine, settings, tmp_path) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        session.add(ModelVersionRow(created_at=utcnow(), created_by="t", status="training", stage="", progress=30,
                                    report="{}"))
    publish.Publisher(engine, settings).fail_stale()
    (version,) = publish.versions(engine)
    assert version.status == "failed" and "herstart" in version.stage


async def test_publishing_without_changes_is_refused_in_dutch(engine, settings) -> None:  # noqa: ANN001
    publisher = publish.Publisher(engine, settings)
    with pytest.raises(publish.PublishError, match="geen nieuwe wijzigingen"):
        await publisher.start("beheer")
    assert publish.versions(engine) == [] and not publisher.busy
