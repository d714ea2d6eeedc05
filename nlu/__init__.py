"""Natural-language understanding: the Rasa project, its client, training and decisions."""
