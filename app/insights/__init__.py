"""Delivery insights: counts over time, computed by the database."""
