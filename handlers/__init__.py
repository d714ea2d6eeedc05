"""One module per intent family; handlers are pure functions of message and context."""
