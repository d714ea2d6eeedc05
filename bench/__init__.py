"""The benchmark (`make bench`): our bot and its references, measured in the same run."""
