// urql's core client as a frontend builds it (urql_client.mjs), watching and reading.
import { gql } from "@urql/core";
import { emit, graphqlWsClient, untilStdinCloses } from "./harness.mjs";
import { urqlClient } from "./urql_client.mjs";

const EVENT = `__typename ... on Event { id type teamId timestamp } ... on BuildEvent { repo data }`;
const WATCH = gql`subscription Watch { events { ${EVENT} } }`;
const NEWEST = gql`query Newest { events(limit: 5) { totalCount nodes { ${EVENT} } } }`;

// How each query was answered: urql's Accept also offers streams, so the content type shows
// which one the service chose.
const contentTypes = [];
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  contentTypes.push(response.headers.get("content-type"));
  return response;
}

const sockets = graphqlWsClient();
const client = urqlClient(sockets, recordingFetch);

let asked = false;
const watching = client.subscription(WATCH, {}).subscribe(async (result) => {
  emit({ subscription: result.data ?? null, error: result.error?.message ?? null });
  if (asked) return;
  asked = true;
  const page = await client.query(NEWEST, {}, { requestPolicy: "network-only" }).toPromise();
  emit({ query: page.data ?? null, error: page.error?.message ?? null, contentTypes });
});
await untilStdinCloses();
watching.unsubscribe();
await sockets.dispose();
