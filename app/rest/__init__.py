"""The HTTP shapes delivery tools already speak: CTO.ai's events API, FlexDeploy's webhook,
CloudEvents' HTTP binding (for CDEvents)."""

from starlette.routing import Route

from app.rest.cloudevents_endpoint import post_cloudevents
from app.rest.cto_events import events, get_event
from app.rest.flexdeploy_webhook import post_flexdeploy_message
from app.rest.openapi import openapi_document

__all__ = ["REST_ROUTES"]

REST_ROUTES = [
    Route("/events", events, methods=["GET", "POST"]),
    Route("/events/{id}", get_event, methods=["GET"]),
    Route("/webhooks/flexdeploy", post_flexdeploy_message, methods=["POST"]),
    Route("/cloudevents", post_cloudevents, methods=["POST"]),
    Route("/openapi.json", openapi_document, methods=["GET"]),
]
