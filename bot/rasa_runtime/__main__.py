"""``python -m bot.rasa_runtime run ...``: install Naast's extensions, then hand over to Rasa's own CLI."""

from bot.rasa_runtime import events, processor, remote

if __name__ == "__main__":
    processor.install()
    remote.install()
    events.install()
    from rasa.__main__ import main

    main()
