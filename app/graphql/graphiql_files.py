"""The files GraphiQL's page loads, each with where it lives under `app/graphiql/`.

The one list of them: app/graphql/graphiql.py serves these files and no others, and setup.py
puts the npm ones into a built package at these same paths, so a source checkout (where
`npm ci` fills `node_modules`) and an installed wheel read them alike. It imports nothing:
setup.py loads it by path at build time, when none of the service's dependencies are there.
"""

__all__ = ["GRAPHIQL_FILES", "NPM_INSTALL_DIR"]

NPM_INSTALL_DIR = "node_modules"
"""Where `npm ci` puts the packages app/graphiql/package-lock.json pins."""

GRAPHIQL_FILES: dict[str, str] = {
    # The browser builds: React's and graphql-ws's UMD files, and GraphiQL's, which bundles
    # everything it uses but React.
    "react.js": f"{NPM_INSTALL_DIR}/react/umd/react.production.min.js",
    "react-dom.js": f"{NPM_INSTALL_DIR}/react-dom/umd/react-dom.production.min.js",
    "graphiql.js": f"{NPM_INSTALL_DIR}/graphiql/graphiql.min.js",
    "graphiql.css": f"{NPM_INSTALL_DIR}/graphiql/graphiql.min.css",
    "graphql-ws.js": f"{NPM_INSTALL_DIR}/graphql-ws/umd/graphql-ws.min.js",
    # Ours, kept in the repository.
    "page.js": "page.js",
    "page.css": "page.css",
}
"""The name each file is served under (`/graphql/graphiql/<name>`) → its path in app/graphiql."""
