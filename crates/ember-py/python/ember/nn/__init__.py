"""``torch.nn`` (being written)."""
