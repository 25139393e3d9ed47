"""``python -m bot.rasa_runtime run ...``: install Naast's processor, then hand over to Rasa's own CLI."""

from bot.rasa_runtime.processor import install

if __name__ == "__main__":
    install()
    from rasa.__main__ import main

    main()
