// Delivery health: DORA's five metrics for the view's team, repo and condition over the chosen
// range of whole UTC days, each with the level the API gives it, its trend period by period
// and its change against the period before; deployments and incidents per period; and the
// same figures team by team (or repository by repository). Every figure is the API's.

import { duration } from "./duration.js";
import { drawChart, drawTrend } from "./chart.js";
import { deliveryFilter } from "./filters.js";
import { COUNTED, HEALTH, query } from "./graphql.js";

const DAY_MS = 86_400_000;

// [from, to): the last `range` days, today included.
export function healthRange(view, now = Date.now()) {
  const to = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const from = to - Number(view.range) * DAY_MS;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

// A quarter by weeks (13 bars); shorter ranges by days.
function bucketOf(view) {
  return view.range === "90" ? "WEEK" : "DAY";
}

function scopeOf(view) {
  const filter = deliveryFilter(view);
  return {
    teamId: view.team || null,
    repo: view.repo || null,
    filter: filter.field ? { field: filter.field } : null,
  };
}

export function healthArguments(view) {
  const { from, to } = healthRange(view);
  const days = Number(view.range);
  const within = { timestamp: { gte: from, lt: to } };
  return {
    from,
    to,
    previousFrom: new Date(Date.parse(from) - days * DAY_MS).toISOString(),
    bucket: bucketOf(view),
    by: view.team ? "REPO" : "TEAM",
    ...scopeOf(view),
    known: within,
    knownRepos: view.team ? { ...within, teamId: { eq: view.team } } : within,
  };
}

// The API's level (ELITE, …) as the page shows it: "None" when there was nothing to judge,
// nothing for a metric DORA gives no levels.
function levelName(level) {
  if (level === undefined) return "";
  return level ? level[0] + level.slice(1).toLowerCase() : "None";
}

function percent(rate) {
  return rate === null ? "–" : `${(rate * 100).toFixed(1)} %`;
}

// Each metric once: how its figure is read, shown and judged, and which way is better.
const METRICS = [
  {
    name: "deploymentFrequency",
    value: (m) => m.deploymentFrequency.perDay,
    shown: (v) => `${v.toFixed(2)} / day`,
    level: (m) => m.deploymentFrequency.level,
    detail: (m) => `${m.deploymentFrequency.deployments} deployments · `
      + m.deploymentFrequency.band.toLowerCase(),
    better: 1,
    change: "relative",
  },
  {
    name: "leadTime",
    value: (m) => m.leadTime.durations.medianSeconds,
    shown: duration,
    level: (m) => m.leadTime.level,
    detail: (m) => `mean ${duration(m.leadTime.durations.meanSeconds)} · `
      + `${m.leadTime.durations.count} changes`,
    better: -1,
    change: "relative",
  },
  {
    name: "changeFailureRate",
    value: (m) => m.changeFailureRate.rate,
    shown: percent,
    level: (m) => m.changeFailureRate.level,
    detail: (m) => `${m.changeFailureRate.failedDeployments} failed + `
      + `${m.changeFailureRate.linkedIncidents} incidents / `
      + `${m.changeFailureRate.deployments} deployments`,
    better: -1,
    change: "points",
  },
  {
    name: "failedDeploymentRecoveryTime",
    value: (m) => m.failedDeploymentRecoveryTime.durations.medianSeconds,
    shown: duration,
    level: (m) => m.failedDeploymentRecoveryTime.level,
    detail: (m) => `${m.failedDeploymentRecoveryTime.durations.count} recovered · `
      + `${m.failedDeploymentRecoveryTime.unrecoveredFailures} not yet`,
    better: -1,
    change: "relative",
  },
  {
    name: "deploymentReworkRate",
    value: (m) => m.deploymentReworkRate.rate,
    shown: percent,
    // DORA published no levels for rework (added in 2024).
    level: () => undefined,
    detail: (m) => `${m.deploymentReworkRate.reworkDeployments} during an incident / `
      + `${m.deploymentReworkRate.deployments} deployments`,
    better: -1,
    change: "points",
  },
];

// "▲ 12 % on the previous 30 days": relative for counts and times, in points for rates.
function changeText(metric, now, before, days) {
  const against = `on the previous ${days} days`;
  if (now === null || before === null) {
    return { text: `nothing to compare with the previous ${days} days`, way: "" };
  }
  const diff = now - before;
  if (diff === 0) return { text: `no change ${against}`, way: "same" };
  const arrow = diff > 0 ? "▲" : "▼";
  const way = Math.sign(diff) === metric.better ? "better" : "worse";
  if (metric.change === "points") {
    return { text: `${arrow} ${Math.abs(diff * 100).toFixed(1)} pts ${against}`, way };
  }
  if (before === 0) return { text: `${arrow} from none ${against}`, way };
  return { text: `${arrow} ${Math.abs((diff / before) * 100).toFixed(0)} % ${against}`, way };
}

function showTiles(metrics, previous, trend, view) {
  const per = bucketOf(view) === "WEEK" ? "week" : "day";
  for (const metric of METRICS) {
    const tile = document.querySelector(`.tile[data-metric="${metric.name}"]`);
    const value = metric.value(metrics);
    const before = metric.value(previous);
    const line = trend.map((period) => metric.value(period.metrics));
    tile.dataset.value = JSON.stringify(value);
    tile.dataset.previous = JSON.stringify(before);
    tile.dataset.trend = JSON.stringify(line);
    tile.dataset.band = levelName(metric.level(metrics));
    tile.querySelector(".value").textContent = value === null ? "–" : metric.shown(value);
    tile.querySelector(".band").textContent = tile.dataset.band;
    tile.querySelector(".detail").textContent = metric.detail(metrics);
    const change = changeText(metric, value, before, view.range);
    const said = tile.querySelector(".change");
    said.textContent = change.text;
    said.dataset.way = change.way;
    drawTrend(tile.querySelector(".trend"), line, `${metric.name} per ${per}`);
  }
}

// The metrics read deployments and incidents of every source: the stream's source, type and
// action narrow the stream only, and the panel says so rather than seem to follow them.
const STREAM_ONLY = { source: "Source", type: "Type", action: "Action" };

function showNotApplied(view) {
  const set = Object.keys(STREAM_ONLY).filter((name) => view[name]);
  const note = document.getElementById("not-applied");
  note.hidden = set.length === 0;
  note.textContent = set.length
    ? `${set.map((name) => STREAM_ONLY[name]).join(", ")}: the events only, not these metrics.`
    : "";
}

// A period's bar: what the metrics counted in it, of every family, in production.
function perPeriod(trend) {
  return trend.map(({ start, end, metrics }) => ({
    start,
    end,
    deployments: metrics.deploymentFrequency.deployments,
    failed: metrics.changeFailureRate.failedDeployments,
    incidents: metrics.changeFailureRate.linkedIncidents
      + metrics.changeFailureRate.unlinkedIncidents,
  }));
}

function cell(row, text, level) {
  const td = row.insertCell();
  td.textContent = text;
  if (level !== undefined) {
    td.dataset.band = levelName(level);
    td.title = `DORA level: ${td.dataset.band}`;
  }
  return td;
}

// Team by team (or, for one team, repository by repository), the busiest first.
function showGroups(groups, view) {
  const table = document.getElementById("groups");
  const by = view.team ? "repo" : "team";
  table.caption.textContent = view.team ? `By repository of ${view.team}` : "By team";
  table.tHead.rows[0].cells[0].textContent = view.team ? "Repository" : "Team";
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const group of groups) {
    const name = view.team ? group.repo : group.teamId;
    const row = body.insertRow();
    row.dataset.group = name;
    const link = document.createElement("a");
    const search = new URLSearchParams(location.search);
    search.set(by, name);
    link.href = `?${search}`;
    link.textContent = name;
    row.insertCell().append(link);
    for (const metric of METRICS) {
      const value = metric.value(group.metrics);
      const td = cell(row, value === null ? "–" : metric.shown(value), metric.level(group.metrics));
      td.dataset.metric = metric.name;
      td.dataset.value = JSON.stringify(value);
    }
  }
  document.getElementById("groups-empty").hidden = groups.length > 0;
}

function fillKnown(listId, counts, field) {
  const list = document.getElementById(listId);
  list.replaceChildren();
  const names = counts.map((count) => count.group[field]).filter(Boolean).sort();
  for (const name of names) {
    const option = document.createElement("option");
    option.value = name;
    list.append(option);
  }
}

// Loads and shows the panel; the arguments it used stay on the panel for whoever checks it.
export async function loadHealth(view, onChoosePeriod) {
  const args = healthArguments(view);
  const data = await query(HEALTH, args);
  const panel = document.getElementById("health");
  panel.dataset.arguments = JSON.stringify({
    from: args.from, to: args.to, previousFrom: args.previousFrom, bucket: args.bucket,
    teamId: args.teamId, repo: args.repo, filter: args.filter,
  });
  showTiles(data.deliveryMetrics, data.previous, data.deliveryTrend, view);
  showNotApplied(view);
  showGroups(data.deliveryBreakdown, view);
  fillKnown("known-teams", data.teams, "teamId");
  fillKnown("known-repos", data.repos, "repo");
  drawChart(document.getElementById("chart"), perPeriod(data.deliveryTrend), onChoosePeriod);
  panel.dataset.loaded = String(Number(panel.dataset.loaded || 0) + 1);
}

// The deployments and incidents a period's bar counted.
export async function countedIn(view, period) {
  const data = await query(COUNTED, { from: period.start, to: period.end, ...scopeOf(view) });
  return data.deliveryEvents;
}
