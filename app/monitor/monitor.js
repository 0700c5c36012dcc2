// The live monitor: a gap-free tail of the events that match the view, pause and resume,
// older pages by cursor, and delivery health over the same view. Built on the public GraphQL
// API only, as any frontend would be.

import { countedIn, loadHealth } from "./health.js";
import { periodName } from "./chart.js";
import { readView, streamFilter, viewSearch, FIELDS } from "./filters.js";
import { ARRIVALS, DELIVERIES, PAGE, STREAM, query, session, socketUrl } from "./graphql.js";
import { GraphQLSocket, UNAUTHORIZED } from "./socket.js";
import { SOURCE_TITLES, eventRow } from "./rows.js";
import { loadWebhooks } from "./webhooks.js";

// Rows kept on the page; older ones leave the page (never the store) so long streams stay fast.
const MAX_ROWS = 2000;
const PAGE_SIZE = 50;
// Codes after which the stream picks up again from its last cursor by itself.
const RESUMABLE = new Set(["SUBSCRIBER_TOO_SLOW", "LIVE_EVENTS_UNAVAILABLE"]);

const $ = (id) => document.getElementById(id);
const stream = $("stream");

let view = readView(location.search);
let run = 0; // Each (re)start of the page's view; late answers of an older one are dropped.
let socket = null;
let retries = 0;
let lastCursor = null;
let olderCursor = null;
let paused = false;
let held = [];
let queued = [];
let received = 0;
let late = 0;
// The newest time among the events on the page or waiting for it: one arriving older is late.
let newest = null;
let flushing = false;
let healthTimer = null;
let healthAt = 0;
let deliveryTypes = []; // what the metrics read, as the service says
const shown = new Map(); // id → event, for the rows on the page
const dayEvents = new Map();

function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

function askForToken(refused) {
  $("token-form").hidden = false;
  $("token-message").textContent = refused
    ? "That token was refused (401): enter another one."
    : "This service needs an API token.";
  setStatus("token", refused ? "Token refused" : "Token needed");
  $("token").focus();
}

// Every failure of a request lands here: a refused token asks for another, the rest is said.
function failed(error) {
  if (error.code === "UNAUTHENTICATED") askForToken(Boolean(session.token));
  else setStatus("error", `Error: ${error.message}`);
}

function counts() {
  const lateness = late ? ` · ${late} late` : "";
  $("count").textContent = `${stream.childElementCount} shown · ${received} live${lateness}`;
  $("held").textContent = paused && held.length ? `${held.length} new while paused` : "";
}

// Live events reach the page at most once a frame, newest on top, so thousands cost little.
function flush() {
  flushing = false;
  const batch = queued.slice(-MAX_ROWS);
  // Too many at once (a long pause): the oldest never reach the page, as if dropped.
  for (const event of queued.slice(0, -MAX_ROWS)) shown.delete(event.id);
  queued = [];
  const fragment = document.createDocumentFragment();
  for (let i = batch.length - 1; i >= 0; i--) fragment.append(eventRow(batch[i]));
  stream.prepend(fragment);
  while (stream.childElementCount > MAX_ROWS) {
    shown.delete(stream.lastElementChild.firstElementChild.dataset.id);
    stream.lastElementChild.remove();
  }
  counts();
}

function schedule() {
  if (!flushing) {
    flushing = true;
    requestAnimationFrame(flush);
  }
}

// A late arrival (a backfill, a tool catching up) goes where its time puts it, marked, never
// on top; one older than every row shown waits for its page.
function placeLate(event) {
  late += 1;
  const row = eventRow({ ...event, late: true });
  for (const item of stream.children) {
    if (item.querySelector("time").dateTime < event.timestamp) {
      item.before(row);
      counts();
      return;
    }
  }
  if ($("older").hidden) stream.append(row); // the oldest page is already shown
  else shown.delete(event.id);
  counts();
}

function arrived(event) {
  if (shown.has(event.id)) return; // the first page and a replay may overlap
  shown.set(event.id, event);
  lastCursor = event.cursor;
  if (newest !== null && event.timestamp < newest) {
    placeLate(event);
    return;
  }
  newest = event.timestamp;
  received += 1;
  if (paused) held.push(event);
  else queued.push(event);
  schedule();
}

function streamFailed(errors, thisRun) {
  const code = errors[0]?.extensions?.code;
  if (RESUMABLE.has(code)) {
    setTimeout(() => thisRun === run && socket?.acked && subscribe(socket, thisRun), 1000);
  } else {
    setStatus("error", `Stream refused: ${errors.map((e) => e.message).join("; ")}`);
  }
}

function subscribe(live, thisRun) {
  live.subscribe(STREAM, { filter: streamFilter(view), after: lastCursor }, {
    next: (payload) => (payload.errors ? streamFailed(payload.errors, thisRun)
      : arrived(payload.data.events)),
    error: (errors) => streamFailed(errors, thisRun),
    complete: () => {},
  });
}

function watchDeliveries(live, thisRun) {
  const filter = { ...streamFilter({ ...view, source: "", type: "", action: "" }),
    type: { in: deliveryTypes } };
  live.subscribe(DELIVERIES, { filter }, {
    next: () => thisRun === run && refreshHealth(),
    error: () => {},
    complete: () => {},
  });
}

function connect(thisRun) {
  socket = new GraphQLSocket(socketUrl, session.token, {
    onAck: () => {
      if (thisRun !== run) return;
      if (retries > 0) refreshHealth(); // deliveries may have come while it was down
      retries = 0;
      setStatus(paused ? "paused" : "live", paused ? "Paused" : "Live");
      subscribe(socket, thisRun);
      watchDeliveries(socket, thisRun);
    },
    onClose: (code) => {
      if (thisRun !== run) return;
      if (code === UNAUTHORIZED) {
        askForToken(true);
        return;
      }
      retries += 1;
      const wait = Math.min(1000 * 2 ** (retries - 1), 10_000);
      setStatus("reconnecting", `Connection lost: reconnecting (attempt ${retries})…`);
      setTimeout(() => thisRun === run && connect(thisRun), wait);
    },
  });
}

function append(list, events) {
  const fragment = document.createDocumentFragment();
  for (const event of events) fragment.append(eventRow(event));
  list.append(fragment);
}

async function loadOlder() {
  const thisRun = run;
  const data = await query(PAGE, { filter: streamFilter(view), after: olderCursor,
    limit: PAGE_SIZE });
  if (thisRun !== run) return;
  const page = data.events;
  const fresh = page.nodes.filter((event) => !shown.has(event.id));
  for (const event of fresh) shown.set(event.id, event);
  append(stream, fresh);
  olderCursor = page.pageInfo.endCursor;
  $("older").hidden = !page.pageInfo.hasNextPage;
  counts();
}

// The panel reads a trend and a table: deployments come in bursts, so one refresh for each
// burst, and at most one every few seconds however busy the stream.
const HEALTH_EVERY_MS = 5000;

function refreshHealth() {
  clearTimeout(healthTimer);
  const thisRun = run;
  const wait = Math.max(300, healthAt + HEALTH_EVERY_MS - Date.now());
  healthTimer = setTimeout(() => {
    if (thisRun !== run) return;
    healthAt = Date.now();
    loadHealth(view, showPeriod).catch(failed);
  }, wait);
}

// A period of the chart: the deployments and incidents it counted.
async function showPeriod(period) {
  const events = await countedIn(view, period).catch(failed);
  if (!events) return;
  dayEvents.clear();
  for (const event of events) dayEvents.set(event.id, event);
  const list = $("day-events");
  list.replaceChildren();
  append(list, events);
  const more = events.length === 200 ? " (the newest 200)" : "";
  $("day-title").textContent = `Deployments and incidents counted, ${periodName(period)}: `
    + `${events.length}${more}`;
  $("day").hidden = false;
  $("day").dataset.day = period.start.slice(0, 10);
  $("day-title").scrollIntoView({ block: "nearest" });
}

function openEvent(click) {
  const row = click.target.closest("button.event");
  if (!row) return;
  const event = shown.get(row.dataset.id) || dayEvents.get(row.dataset.id);
  if (!event) return;
  $("raw-title").textContent = `${event.type} · ${event.id}`;
  $("raw-json").textContent = JSON.stringify(event.raw, null, 2);
  $("raw").showModal();
}

async function start() {
  run += 1;
  const thisRun = run;
  socket?.close();
  socket = null;
  [lastCursor, olderCursor, held, queued, received, late, retries] = [null, null, [], [], 0, 0, 0];
  newest = null;
  shown.clear();
  stream.replaceChildren();
  $("day").hidden = true;
  $("filter-message").textContent = "";
  setStatus("starting", "Loading…");
  let filter;
  try {
    filter = streamFilter(view);
  } catch (error) {
    $("filter-message").textContent = error.message;
    setStatus("error", "The filter needs fixing");
    return;
  }
  let first;
  let arrivals;
  try {
    // The tail's start first: what arrives between the two reads is replayed, and shown once.
    arrivals = await query(ARRIVALS);
    first = await query(PAGE, { filter, limit: PAGE_SIZE });
  } catch (error) {
    failed(error);
    return;
  }
  if (thisRun !== run) return;
  $("token-form").hidden = true;
  offerSources(arrivals.eventSources);
  const page = first.events;
  for (const event of page.nodes) shown.set(event.id, event);
  append(stream, page.nodes);
  newest = page.nodes[0]?.timestamp ?? null;
  lastCursor = arrivals.arrivalsCursor;
  deliveryTypes = arrivals.deliveryTypes;
  olderCursor = page.pageInfo.endCursor;
  $("older").hidden = !page.pageInfo.hasNextPage;
  counts();
  connect(thisRun);
  healthAt = Date.now();
  loadHealth(view, showPeriod).catch(failed);
  loadWebhooks();
}

// The families the service stores, as the source filter's choices (once: they do not change
// while it runs).
function offerSources(sources) {
  if (SOURCE_TITLES.size) return;
  const select = $("filters").elements.source;
  for (const { source, title } of sources) {
    SOURCE_TITLES.set(source, title);
    select.append(new Option(title, source));
  }
  select.value = view.source;
}

function fillForm() {
  const form = $("filters");
  for (const name of FIELDS) form.elements[name].value = view[name];
}

$("filters").addEventListener("submit", (submit) => {
  submit.preventDefault();
  const form = $("filters");
  const next = {};
  for (const name of FIELDS) next[name] = form.elements[name].value.trim();
  view = readView(viewSearch(next));
  history.pushState(null, "", viewSearch(view) || location.pathname);
  start();
});

window.addEventListener("popstate", () => {
  view = readView(location.search);
  fillForm();
  start();
});

$("token-form").addEventListener("submit", (submit) => {
  submit.preventDefault();
  session.token = $("token").value.trim();
  $("token").value = "";
  start();
});

$("pause").addEventListener("click", () => {
  paused = !paused;
  $("pause").setAttribute("aria-pressed", String(paused));
  $("pause").textContent = paused ? "Resume" : "Pause";
  if (!paused) {
    queued.push(...held);
    held = [];
    schedule();
  }
  if (socket?.acked) setStatus(paused ? "paused" : "live", paused ? "Paused" : "Live");
  counts();
});

$("older").addEventListener("click", () => loadOlder().catch(failed));
stream.addEventListener("click", openEvent);
$("day-events").addEventListener("click", openEvent);

fillForm();
start();
