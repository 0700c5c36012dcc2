// urql's core client as a frontend builds it: queries through fetchExchange, subscriptions
// through subscriptionExchange over graphql-ws.
import { Client, cacheExchange, fetchExchange, gql, subscriptionExchange } from "@urql/core";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { authorization, emit, httpUrl, token, untilStdinCloses, wsUrl } from "./harness.mjs";

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

const sockets = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: token } });
const client = new Client({
  url: httpUrl,
  fetch: recordingFetch,
  fetchOptions: { headers: authorization },
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: sockets.subscribe({ ...request, query: request.query ?? "" }, sink) }),
      }),
    }),
  ],
});

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
