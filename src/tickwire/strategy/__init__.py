"""Strategies: the Strategy base class, its parameters and incremental indicators."""
