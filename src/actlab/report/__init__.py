"""Figures and pages made from stored results (matplotlib, Agg backend)."""
