"""Drift monitoring: captured endpoint traffic against the serving model's training-time baseline."""
