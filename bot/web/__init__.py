"""Naast's web app: chat page, chat proxy, and (later) the inbox and the editor."""
