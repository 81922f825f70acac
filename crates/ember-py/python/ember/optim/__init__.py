"""``torch.optim`` (being written)."""
