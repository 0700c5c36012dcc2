"""HTTP plumbing under every edge: the ASGI app, the body size limit, media types, reading
clients' JSON, and the monitor page's routes."""
