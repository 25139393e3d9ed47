"""Naast's Rasa: `rasa run` with three extensions: a calm message when the action server is away, the
action server's replies checked against a schema built once (remote.py), and events resolved to their
class through a table (events.py).

Start it as ``python -m bot.rasa_runtime run ...`` (the same arguments as ``rasa run``); bot/supervision.py
does. See ``processor.py`` for why the extension sits in Rasa's message processor.
"""
