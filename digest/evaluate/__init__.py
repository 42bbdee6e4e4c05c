"""Evaluation against the gold events of ../shared/eval (see docs/quality.md)."""
