"""Evaluation: run the fixed eval sets, compute their metrics, report and gate them."""
