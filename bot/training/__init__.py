"""Editors change what Naast understands; admins publish it as a tested model (issue 12, part 4).

- ``tables``: drafts (one row per intent, with a version for optimistic concurrency) and model versions.
- ``drafts``: read and change drafts; a stale version raises ``DraftConflict`` (the web app answers 409).
- ``project``: Naast's Rasa project (domain, config, data) with the drafts applied, in a folder.
- ``validation``: Rasa's own ``Validator`` on that project, findings in Dutch, only what the drafts add.
- ``flows``: the rules and stories as readable flows for editors.
- ``publish``: train in the background, test the candidate (conversation tests and personas), activate.
- ``switch``: inside every Rasa process, load the published model in a worker thread and swap it in.
"""
