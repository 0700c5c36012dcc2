// What every client script shares: where the service is, who calls it, and how results leave.
// The Python test reads one JSON object per stdout line and closes stdin when it has seen
// enough; the script then closes its clients and exits.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

export const httpUrl = `${process.env.EVENTSTORE_URL}/graphql`;
export const wsUrl = httpUrl.replace(/^http/, "ws");
export const token = process.env.EVENTSTORE_TOKEN;
export const authorization = token ? { authorization: `Bearer ${token}` } : {};

// The graphql-ws client the Apollo and urql scripts subscribe through, authenticated as the
// service asks (the token in `connection_init`).
export function graphqlWsClient() {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authToken: token } });
}

export function emit(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

export function untilStdinCloses() {
  return new Promise((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.resume();
  });
}

// A failure the test should see, not a hang: report it and leave.
process.on("unhandledRejection", (error) => {
  emit({ fatal: String(error?.stack ?? error) });
  process.exit(1);
});
