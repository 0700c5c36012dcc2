// graphql-http's conformance audits of the GraphQL-over-HTTP spec, one JSON line per audit.
import { serverAudits } from "graphql-http";
import { authorization, emit, httpUrl } from "./harness.mjs";

function authorizedFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authorization)) headers.set(name, value);
  return fetch(input, { ...init, headers });
}

for (const audit of serverAudits({ url: httpUrl, fetchFn: authorizedFetch })) {
  const result = await audit.fn();
  emit({ id: result.id, name: result.name, status: result.status, reason: result.reason ?? null });
}
