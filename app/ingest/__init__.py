"""The ingest use case (`ingestor`), with its step of its own: room among the events being
stored (`admission`)."""
