// GraphQL over HTTP, the token kept for this browser session, and the page's documents.

const TOKEN_KEY = "eventstore-monitor-token";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

// What the service refused, carried with its code so the page can branch on it.
export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((error) => error.message).join("; "));
    this.code = errors[0]?.extensions?.code || "ERROR";
  }
}

export const graphqlUrl = new URL("graphql", document.baseURI).href;
export const socketUrl = graphqlUrl.replace(/^http/, "ws");

export async function query(document, variables = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: document, variables }),
  });
  const answer = await response.json();
  if (answer.errors?.length) throw new GraphQLError(answer.errors);
  return answer.data;
}

// The fields every row needs, and `raw` for the event's own view.
const EVENT = `
  __typename
  ... on Event {
    id source type action summary status teamId repo object environment timestamp cursor raw
  }`;

export const PAGE = `query Page($filter: EventFilter, $after: String, $limit: Int) {
  events(filter: $filter, after: $after, limit: $limit) {
    pageInfo { hasNextPage endCursor }
    nodes { ${EVENT} }
  }
}`;

// Where the tail starts: the newest arrival, not the newest event by time (a backfill's events
// arrive after it with older times).
export const ARRIVALS = `query Arrivals {
  arrivalsCursor deliveryTypes eventSources { source title }
}`;

export const STREAM = `subscription Stream($filter: EventFilter, $after: String) {
  events(filter: $filter, after: $after) { ${EVENT} }
}`;

// Only what tells the page its metrics are stale.
export const DELIVERIES = `subscription Deliveries($filter: EventFilter) {
  events(filter: $filter) { ... on Event { id type } }
}`;

// Every figure a tile or a table row shows.
const FIGURES = `fragment Figures on DeliveryMetrics {
  deploymentFrequency { deployments perDay band level }
  leadTime { durations { count meanSeconds medianSeconds } level }
  changeFailureRate { rate deployments failedDeployments linkedIncidents unlinkedIncidents level }
  failedDeploymentRecoveryTime {
    durations { count meanSeconds medianSeconds } unrecoveredFailures level
  }
  deploymentReworkRate { rate deployments reworkDeployments }
}`;

// The range, the period before it (for the change), its trend period by period (the chart
// and the tiles' lines), a table by team or repository, and the known teams and repositories.
export const HEALTH = `query Health($from: DateTime!, $to: DateTime!, $previousFrom: DateTime!,
    $bucket: TimeBucket!, $by: DeliveryGroup!, $teamId: String, $repo: String,
    $filter: EventFilter, $known: EventFilter, $knownRepos: EventFilter) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo, filter: $filter) {
    ...Figures
  }
  previous: deliveryMetrics(from: $previousFrom, to: $from, teamId: $teamId, repo: $repo,
      filter: $filter) { ...Figures }
  deliveryTrend(from: $from, to: $to, bucket: $bucket, teamId: $teamId, repo: $repo,
      filter: $filter) { start end metrics { ...Figures } }
  deliveryBreakdown(by: $by, from: $from, to: $to, teamId: $teamId, repo: $repo,
      filter: $filter) { teamId repo deliveryEvents metrics { ...Figures } }
  teams: eventCounts(filter: $known, groupBy: ["teamId"]) { group count }
  repos: eventCounts(filter: $knownRepos, groupBy: ["repo"]) { group count }
}
${FIGURES}`;

// A period of the chart: the deployments and incidents its bar counted.
export const COUNTED = `query Counted($from: DateTime!, $to: DateTime!, $teamId: String,
    $repo: String, $filter: EventFilter) {
  deliveryEvents(from: $from, to: $to, teamId: $teamId, repo: $repo, filter: $filter,
      limit: 200) {
    ${EVENT}
  }
}`;
