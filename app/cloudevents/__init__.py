"""Stored events as CloudEvents 1.0 (`outbound`); CloudEvents in are a REST edge
(`app/rest/cloudevents.py`), read by the intake of the family they carry."""
