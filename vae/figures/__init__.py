"""Plotly figures built from arrays: pure functions, one module per area of the app."""
