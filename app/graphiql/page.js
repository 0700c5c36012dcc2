// GraphiQL for eventstore, on GraphiQL's public API: the `GraphiQL` component and its `fetcher`.
// Plain React without JSX, so the browser runs this file as written: no build step.
//
// What it adds to GraphiQL:
// - a token field, when the service has tokens: the token is kept in this browser's
//   localStorage and sent as `Authorization: Bearer …` over HTTP and in `connection_init`
//   over the websocket;
// - a subscription view that keeps the stream: GraphiQL's result pane shows only the latest
//   result it is given, so a subscription hands it every result received so far.
(function () {
  "use strict";

  const h = React.createElement;
  const TOKEN_KEY = "eventstore.graphiql.token";
  // A stream left running for a day must not fill the tab's memory.
  const KEPT_RESULTS = 500;
  const tokensRequired = document.documentElement.dataset.tokens === "required";
  // The page is served by the GraphQL endpoint itself.
  const endpoint = location.origin + location.pathname;
  const websocketEndpoint = endpoint.replace(/^http/, "ws");

  const DEFAULT_QUERY = `# The newest events. Subscriptions run here too:
# their result pane keeps every event received
# so far, oldest first. For example:
#
# subscription {
#   events { ... on Event { id type teamId } }
# }
{
  events(limit: 10) {
    totalCount
    nodes {
      __typename
      ... on Event { id source type action teamId timestamp }
    }
  }
}
`;

  function storedToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch {
      return ""; // storage refused (private mode, policy): the token lives until the tab closes
    }
  }

  function storeToken(token) {
    try {
      if (token) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
    } catch {
      // as above: kept in memory only
    }
  }

  // GraphQL's tokens, as far as finding a document's operations needs them.
  const TOKENS = /#[^\n\r]*|"""[\s\S]*?(?:"""|$)|"(?:[^"\\\n]|\\.)*"?|[{}()]|@?[_A-Za-z]\w*/g;

  // A document's operations, each { kind, name }: read from the text that is sent, since
  // GraphiQL's parsed copy of the editor can trail it by a keystroke.
  function operationsOf(document) {
    const operations = [];
    let depth = 0;
    let words = []; // the names before a top-level selection set: `subscription Watch`
    for (const [token] of document.matchAll(TOKENS)) {
      if (token === "{" || token === "(") {
        if (depth === 0 && token === "{") {
          if (words.length === 0) operations.push({ kind: "query", name: null });
          else if (["query", "mutation", "subscription"].includes(words[0])) {
            operations.push({ kind: words[0], name: words[1] || null });
          }
        }
        depth += 1;
      } else if (token === "}" || token === ")") {
        depth = Math.max(0, depth - 1);
        if (depth === 0 && token === "}") words = [];
      } else if (depth === 0 && /^[_A-Za-z]/.test(token)) {
        words.push(token); // not comments, strings or directives
      }
    }
    return operations;
  }

  // The kind of operation about to run: the named one, else the document's only one.
  function operationKind(params) {
    const operations = operationsOf(params.query);
    const chosen = params.operationName
      ? operations.find((operation) => operation.name === params.operationName)
      : operations.length === 1 ? operations[0] : undefined;
    return chosen ? chosen.kind : "query";
  }

  async function overHttp(params, headers) {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text); // errors too (a 401 comes in GraphQL's shape)
    } catch {
      throw new Error(`${response.status} ${response.statusText}: ${text}`);
    }
  }

  function closedSocketError(error) {
    if (error instanceof Error) return error;
    if (error && typeof error.code === "number") {
      return new Error(`The websocket closed: ${error.code} ${error.reason || ""}`.trim());
    }
    return new Error(String(error));
  }

  // One subscription as GraphiQL consumes it (an async iterator). Each step carries every result
  // kept so far; results arriving between two steps are shown together by the next one.
  function keptStream(client, params) {
    const kept = [];
    let received = 0;
    let unseen = false;
    let ended = null; // { error } once the stream is over
    let wake = null;

    const arrived = () => {
      if (wake) wake();
      wake = null;
    };
    const keep = (result) => {
      received += 1;
      kept.push(result);
      if (kept.length > KEPT_RESULTS) kept.shift();
      unseen = true;
    };
    const dispose = client.subscribe(params, {
      next(result) {
        keep(result);
        arrived();
      },
      error(error) {
        // GraphQL errors for this operation are a result to show, a closed socket a failure.
        if (Array.isArray(error)) keep({ errors: error });
        ended = { error: Array.isArray(error) ? null : closedSocketError(error) };
        arrived();
      },
      complete() {
        ended = { error: null };
        arrived();
      },
    });
    const view = () => ({
      received,
      ...(received > kept.length ? { shown: `the last ${kept.length}` } : {}),
      results: kept.slice(),
    });

    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (!unseen && !ended) await new Promise((resolve) => (wake = resolve));
        if (unseen) {
          unseen = false;
          return { done: false, value: view() };
        }
        if (ended.error) throw ended.error;
        return { done: true, value: undefined };
      },
      // GraphiQL's stop button: ends the subscription at once, not at its next result.
      async return() {
        dispose();
        ended = ended || { error: null };
        arrived();
        return { done: true, value: undefined };
      },
    };
  }

  function fetcherFor(token) {
    const authorization = token ? { Authorization: `Bearer ${token}` } : {};
    let socket = null;
    const websocket = () =>
      socket ||
      (socket = graphqlWs.createClient({
        url: websocketEndpoint,
        connectionParams: authorization,
        lazy: true,
        // A refused token or a closed subscription is shown, not retried behind the user's back.
        retryAttempts: 0,
      }));
    const fetcher = (params, options) => {
      if (operationKind(params) === "subscription") {
        return keptStream(websocket(), params);
      }
      // Headers typed into GraphiQL's header editor win over the token field.
      return overHttp(params, { ...authorization, ...(options && options.headers) });
    };
    fetcher.close = () => socket && socket.dispose();
    return fetcher;
  }

  function TokenField({ token, onToken }) {
    const [draft, setDraft] = React.useState(token);
    const submit = (event) => {
      event.preventDefault();
      onToken(draft.trim());
    };
    return h(
      "form",
      { className: "eventstore-token", onSubmit: submit },
      h("label", { htmlFor: "eventstore-token" }, "API token"),
      h("input", {
        id: "eventstore-token",
        type: "password",
        autoComplete: "off",
        spellCheck: false,
        value: draft,
        onChange: (event) => setDraft(event.target.value),
      }),
      h("button", { type: "submit" }, "Use"),
      h(
        "span",
        { className: "eventstore-token-status", role: "status" },
        token
          ? "In use, kept in this browser."
          : "This service needs one: without it, every operation is refused.",
      ),
    );
  }

  function EventstoreGraphiQL() {
    const [token, setToken] = React.useState(tokensRequired ? storedToken() : "");
    // A new fetcher makes GraphiQL load the schema again, now with the token.
    const fetcher = React.useMemo(() => fetcherFor(token), [token]);
    React.useEffect(() => () => fetcher.close(), [fetcher]);
    const useToken = (next) => {
      storeToken(next);
      setToken(next);
    };
    return h(
      "div",
      { className: "eventstore-graphiql" },
      tokensRequired ? h(TokenField, { token, onToken: useToken }) : null,
      h(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }),
    );
  }

  ReactDOM.createRoot(document.getElementById("eventstore-graphiql")).render(
    h(EventstoreGraphiQL),
  );
})();
