"""The REST shapes delivery tools already speak: CTO.ai's events API, FlexDeploy's webhook."""

from starlette.routing import Route

from app.rest.cto_events import get_events, post_events
from app.rest.flexdeploy_webhook import post_flexdeploy_message
from app.rest.openapi import openapi_document

__all__ = ["REST_ROUTES"]

REST_ROUTES = [
    Route("/events", post_events, methods=["POST"]),
    Route("/events", get_events, methods=["GET"]),
    Route("/webhooks/flexdeploy", post_flexdeploy_message, methods=["POST"]),
    Route("/openapi.json", openapi_document, methods=["GET"]),
]
