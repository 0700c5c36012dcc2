// The README's GraphQL examples, each sent as written by Apollo Client (with the service's
// possibleTypes, as the README sets it up) and by urql: what each answered, one line per
// example and client. Subscriptions report their first event.
import { readFileSync } from "node:fs";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { Kind, OperationTypeNode } from "graphql";
import { authorization, emit, graphqlWsClient, httpUrl, untilStdinCloses } from "./harness.mjs";
import { urqlClient } from "./urql_client.mjs";

const examples = JSON.parse(readFileSync(process.env.EXAMPLES, "utf8"));
const sockets = graphqlWsClient();
const possibleTypes = await (
  await fetch(`${httpUrl}/possible-types.json`, { headers: authorization })
).json();

const apollo = new ApolloClient({
  cache: new InMemoryCache({ possibleTypes }),
  link: ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(sockets),
    new HttpLink({ uri: httpUrl, headers: authorization }),
  ),
});
const urql = urqlClient(sockets);

function kindOf(document) {
  return document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION).operation;
}

function message(error) {
  return error ? [String(error.message ?? error)] : [];
}

async function byApollo(document, variables) {
  const kind = kindOf(document);
  if (kind === "subscription") {
    return new Promise((resolve) => {
      const watching = apollo.subscribe({ query: document, variables }).subscribe({
        next: (result) => {
          watching.unsubscribe();
          resolve({ data: result.data ?? null, errors: message(result.error) });
        },
        error: (error) => resolve({ data: null, errors: message(error) }),
      });
      emit({ client: "apollo", subscribed: true });
    });
  }
  try {
    const result = kind === "mutation"
      ? await apollo.mutate({ mutation: document, variables })
      : await apollo.query({ query: document, variables, fetchPolicy: "network-only" });
    return { data: result.data ?? null, errors: message(result.error) };
  } catch (error) {
    return { data: null, errors: message(error) };
  }
}

async function byUrql(document, variables) {
  const kind = kindOf(document);
  if (kind === "subscription") {
    return new Promise((resolve) => {
      const watching = urql.subscription(document, variables).subscribe((result) => {
        watching.unsubscribe();
        resolve({ data: result.data ?? null, errors: message(result.error) });
      });
      emit({ client: "urql", subscribed: true });
    });
  }
  const run = kind === "mutation" ? urql.mutation(document, variables)
    : urql.query(document, variables, { requestPolicy: "network-only" });
  const result = await run.toPromise();
  return { data: result.data ?? null, errors: message(result.error) };
}

for (const [index, example] of examples.entries()) {
  const document = gql(example.query);
  for (const [client, send] of [["apollo", byApollo], ["urql", byUrql]]) {
    emit({ client, index, ...(await send(document, example.variables ?? {})) });
  }
}
emit({ done: true });
await untilStdinCloses();
await sockets.dispose();
