"""Tables of the professionals' inbox (schema: ``migrations/versions/0002_accounts_inbox.py``).

Accounts (users, their teams, API tokens), log-in failures (rate limiting and lock-out live in the
database, so the web app keeps no state of its own), the audit log, and the inbox's own facts about a
note (team, labels, who picked it up). The inbox rows hang off ``notes.id`` with ON DELETE CASCADE and
the purge deletes them explicitly too: when a note goes, nothing of it stays behind.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String

from bot.db import Base, UTCDateTime

ROLES = ("professional", "editor", "admin")


class UserRow(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    # Argon2id hash; empty for an account that only uses API tokens (a case system).
    password_hash = Column(String(255), nullable=True)
    disabled = Column(Boolean, nullable=False, default=False)
    # Part of every session; raising it (log-out, disable, new password) ends every session of the user.
    session_epoch = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime, nullable=False)
    last_login_at = Column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<UserRow {self.id} {self.name} {self.role}{' disabled' if self.disabled else ''}>"


class UserTeamRow(Base):
    __tablename__ = "user_teams"

    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team = Column(String(64), primary_key=True)  # a key of config/routing.yml


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id = Column(Integer, primary_key=True, autoincrement=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    prefix = Column(String(16), nullable=False)  # the first characters, to recognise a token in lists
    token_hash = Column(String(64), nullable=False, unique=True)  # sha256 hex; the token itself is never stored
    created_at = Column(UTCDateTime, nullable=False)
    last_used_at = Column(UTCDateTime, nullable=True)
    revoked_at = Column(UTCDateTime, nullable=True)


class LoginFailureRow(Base):
    """One failed log-in, counted per name ("user:anna") and per address ("ip:192.0.2.1")."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    key = Column(String(200), nullable=False)
    at = Column(UTCDateTime, nullable=False)


class AuditRow(Base):
    """Who did what, when. Holds a note's id and reference, never its content or a remark."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(UTCDateTime, nullable=False, index=True)
    actor = Column(String(64), nullable=False)  # user name, "-" when unknown, "systeem" for jobs
    via = Column(String(8), nullable=False)  # web | api | cli | system
    action = Column(String(32), nullable=False, index=True)
    note_id = Column(String(36), nullable=True, index=True)
    reference = Column(String(16), nullable=True)
    status_code = Column(Integer, nullable=True)
    detail = Column(String(200), nullable=False, default="")
    ip = Column(String(64), nullable=True)
