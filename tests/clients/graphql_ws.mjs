// graphql-ws on one socket: a subscription to another team's events beside one to our own.
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { emit, token, untilStdinCloses, wsUrl } from "./harness.mjs";

const WATCH = `
  subscription Watch($filter: EventFilter) {
    events(filter: $filter) { __typename ... on Event { id teamId type } }
  }
`;

const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { authToken: token },
  // graphql-ws would retry a closed socket silently; the test wants to see it close.
  retryAttempts: 0,
  on: {
    connected: () => emit({ connected: true }),
    closed: (event) => emit({ closed: event.code }),
  },
});

function watch(name, filter) {
  return client.subscribe(
    { query: WATCH, variables: { filter } },
    {
      next: (result) => emit({ operation: name, next: result }),
      error: (error) => emit({ operation: name, error }),
      complete: () => emit({ operation: name, complete: true }),
    },
  );
}

const stops = [
  watch("forbidden", { teamId: { eq: process.env.OTHER_TEAM } }),
  watch("own", null),
];
await untilStdinCloses();
for (const stop of stops) stop();
await client.dispose();
