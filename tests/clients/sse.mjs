// graphql-sse in its distinct-connections mode: a subscription where no websocket can open.
import { createClient } from "graphql-sse";
import { authorization, emit, httpUrl, untilStdinCloses } from "./harness.mjs";

const WATCH = `
  subscription Watch($filter: EventFilter) {
    events(filter: $filter) { __typename ... on Event { id teamId type timestamp } }
  }
`;

const client = createClient({ url: httpUrl, headers: authorization, retryAttempts: 0 });
const stop = client.subscribe(
  { query: WATCH, variables: { filter: { type: { eq: process.env.EVENT_TYPE } } } },
  {
    next: (result) => emit({ next: result }),
    error: (error) => emit({ error: String(error) }),
    complete: () => emit({ complete: true }),
  },
);
await untilStdinCloses();
stop();
client.dispose();
