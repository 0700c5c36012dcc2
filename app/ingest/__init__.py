"""The ingest use case (`ingestor`), with its steps of its own: room among the events being
stored (`admission`) and CDEvents linked to the change they deliver (`links`)."""
