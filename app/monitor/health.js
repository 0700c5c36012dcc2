// Delivery health: DORA's five metrics, each with the level the API gives it, and
// deployments/failures per day, for the view's team, repo and condition over the chosen range
// of whole UTC days.

import { duration } from "./duration.js";
import { drawChart } from "./chart.js";
import { deliveryFilter } from "./filters.js";
import { HEALTH, query } from "./graphql.js";

const DAY_MS = 86_400_000;

function utcDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

// [from, to): the last `range` days, today included.
export function healthRange(view, now = Date.now()) {
  const to = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const from = to - Number(view.range) * DAY_MS;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export function healthArguments(view) {
  const { from, to } = healthRange(view);
  const filter = deliveryFilter(view);
  return {
    from,
    to,
    teamId: view.team || null,
    repo: view.repo || null,
    filter: filter.field ? { field: filter.field } : null,
    counts: { ...filter, type: { in: ["deployment", "incident"] }, timestamp: { gte: from, lt: to } },
  };
}

// The API's level (ELITE, …) as the page shows it: "None" when there was nothing to judge,
// nothing for a metric DORA gives no levels.
function levelName(level) {
  if (level === undefined) return "";
  return level ? level[0] + level.slice(1).toLowerCase() : "None";
}

function showTile(name, value, shown, level, detail) {
  const tile = document.querySelector(`.tile[data-metric="${name}"]`);
  tile.dataset.value = JSON.stringify(value);
  tile.dataset.band = levelName(level);
  tile.querySelector(".value").textContent = shown;
  tile.querySelector(".band").textContent = tile.dataset.band;
  tile.querySelector(".detail").textContent = detail;
}

function percent(rate) {
  return rate === null ? "–" : `${(rate * 100).toFixed(1)} %`;
}

function showTiles(metrics) {
  const {
    deploymentFrequency: f, leadTime: l, changeFailureRate: c,
    failedDeploymentRecoveryTime: r, deploymentReworkRate: w,
  } = metrics;
  showTile("deploymentFrequency", f.perDay, `${f.perDay.toFixed(2)} / day`, f.level,
    `${f.deployments} deployments · ${f.band.toLowerCase()}`);
  showTile("leadTime", l.durations.medianSeconds, duration(l.durations.medianSeconds), l.level,
    `mean ${duration(l.durations.meanSeconds)} · ${l.durations.count} changes`);
  showTile("changeFailureRate", c.rate, percent(c.rate), c.level,
    `${c.failedDeployments} failed + ${c.linkedIncidents} incidents / ${c.deployments} deployments`);
  showTile("failedDeploymentRecoveryTime", r.durations.medianSeconds,
    duration(r.durations.medianSeconds), r.level,
    `${r.durations.count} recovered · ${r.unrecoveredFailures} not yet`);
  // DORA published no levels for rework (added in 2024).
  showTile("deploymentReworkRate", w.rate, percent(w.rate), undefined,
    `${w.reworkDeployments} during an incident / ${w.deployments} deployments`);
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

function perDay(args, counts) {
  const days = new Map();
  for (let ms = Date.parse(args.from); ms < Date.parse(args.to); ms += DAY_MS) {
    days.set(utcDay(ms), { day: utcDay(ms), deployments: 0, failed: 0, incidents: 0 });
  }
  for (const { group, bucket, count } of counts) {
    const day = bucket && days.get(bucket.slice(0, 10));
    if (!day) continue;
    if (group.type === "deployment" && group.action === "succeeded") day.deployments += count;
    else if (group.type === "deployment" && group.action === "failed") day.failed += count;
    else if (group.type === "incident" && group.action === "initiated") day.incidents += count;
  }
  return [...days.values()];
}

// Loads and shows the panel; the arguments it used stay on the panel for whoever checks it.
export async function loadHealth(view, onChooseDay) {
  const args = healthArguments(view);
  const data = await query(HEALTH, args);
  const panel = document.getElementById("health");
  panel.dataset.arguments = JSON.stringify({
    from: args.from, to: args.to, teamId: args.teamId, repo: args.repo, filter: args.filter,
  });
  showTiles(data.deliveryMetrics);
  showNotApplied(view);
  drawChart(document.getElementById("chart"), perDay(args, data.eventCounts), onChooseDay);
  panel.dataset.loaded = String(Number(panel.dataset.loaded || 0) + 1);
}

export function dayRange(day) {
  const from = Date.parse(`${day}T00:00:00Z`);
  return { gte: new Date(from).toISOString(), lt: new Date(from + DAY_MS).toISOString() };
}
