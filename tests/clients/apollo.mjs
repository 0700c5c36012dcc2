// Apollo Client 4 set up as the README says: possibleTypes from the service, subscriptions over
// graphql-ws, queries over HTTP through automatic persisted queries (hashes sent by GET).
import { createHash } from "node:crypto";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { authorization, emit, graphqlWsClient, httpUrl, untilStdinCloses } from "./harness.mjs";

const EVENT = `
  __typename
  ... on Event { id type teamId timestamp }
  ... on DeploymentEvent { repo commit data }
`;
const WATCH = gql`subscription Watch { events { ${EVENT} } }`;
const NEWEST = gql`query Newest { events(limit: 5) { totalCount nodes { ${EVENT} } } }`;

// Every HTTP exchange as the server answered it, to show the persisted-query round trip.
const exchanges = [];
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  const url = new URL(String(input));
  const body = init.body ? JSON.parse(init.body) : Object.fromEntries(url.searchParams);
  const answer = await response.clone().json();
  exchanges.push({
    method: init.method ?? "GET",
    sentQuery: Boolean(body.query),
    sentHash: JSON.stringify(body.extensions ?? "").includes("sha256Hash"),
    status: response.status,
    contentType: response.headers.get("content-type"),
    errorCodes: (answer.errors ?? []).map((error) => error.extensions?.code ?? error.message),
  });
  return response;
}

const possibleTypes = await (
  await fetch(`${httpUrl}/possible-types.json`, { headers: authorization })
).json();
const sockets = graphqlWsClient();
const http = new PersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: true,
}).concat(new HttpLink({ uri: httpUrl, headers: authorization, fetch: recordingFetch }));
const client = new ApolloClient({
  cache: new InMemoryCache({ possibleTypes }),
  link: ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(sockets),
    http,
  ),
});

let asked = false;
const watching = client.subscribe({ query: WATCH }).subscribe({
  next: async (result) => {
    emit({ subscription: result.data ?? null, error: result.error?.message ?? null });
    if (asked) return;
    asked = true;
    // The first query is sent as a hash, then with its text; the second as the hash alone.
    const first = await client.query({ query: NEWEST, fetchPolicy: "network-only" });
    const second = await client.query({ query: NEWEST, fetchPolicy: "network-only" });
    emit({ queries: [first.data, second.data], exchanges });
  },
  error: (error) => emit({ subscriptionError: String(error) }),
});
await untilStdinCloses();
watching.unsubscribe();
await sockets.dispose();
client.stop();
