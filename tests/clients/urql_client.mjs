// urql's core client as a frontend builds it: queries through fetchExchange, subscriptions
// through subscriptionExchange over the given graphql-ws client.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "@urql/core";
import { authorization, httpUrl } from "./harness.mjs";

export function urqlClient(sockets, fetchImpl = fetch) {
  return new Client({
    url: httpUrl,
    fetch: fetchImpl,
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
}
