"""Evaluation of the NLU model and decision policy on customer messages it never saw."""
