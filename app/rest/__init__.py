"""The HTTP shapes delivery tools already speak: an events API (`cto_events`), each family's
webhooks (`webhooks`), CloudEvents' HTTP binding (`cloudevents_endpoint`), and their OpenAPI
description (`openapi`)."""

from starlette.routing import Route

from app.rest import cloudevents_endpoint, cto_events, webhooks
from app.rest.openapi import openapi_document

__all__ = ["REST_ROUTES"]

REST_ROUTES = [
    *cto_events.ROUTES,
    *webhooks.ROUTES,
    *cloudevents_endpoint.ROUTES,
    Route("/openapi.json", openapi_document, methods=["GET"]),
]
