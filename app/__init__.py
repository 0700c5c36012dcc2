"""A GraphQL event store for software delivery events."""
