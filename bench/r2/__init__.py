"""Reference R2: Rasa Open Source's own Telegram connector answering the same FAQ."""
