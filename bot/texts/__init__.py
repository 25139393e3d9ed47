"""Naast's text store: every text a resident or professional sees, editable while Naast runs.

``catalog`` (the shipped base: domain.yml and the files next to this one), ``store`` (edits, history,
rollback in the database), ``check`` (the plain-language check), ``live`` (the cached read for running
processes), ``nlg`` (Rasa's response generator over the store), ``resources`` (crisis lines and the
municipality's details with their edits).
"""
