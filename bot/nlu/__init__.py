"""Naast's custom Rasa NLU components (config.yml names them by module path).

Nothing is imported here on purpose: importing Rasa is slow, and `bot.nlu.message_screen` is
loaded by Rasa itself when it builds the pipeline.
"""
