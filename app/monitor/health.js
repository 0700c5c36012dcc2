// Delivery health: the four DORA metrics and deployments/failures per day, for the view's
// team, repo and condition over the chosen range of whole UTC days.

import { bands, duration } from "./bands.js";
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

function showTile(name, metric, value, shown, detail) {
  const tile = document.querySelector(`.tile[data-metric="${name}"]`);
  tile.dataset.value = JSON.stringify(value);
  tile.dataset.band = bands[name](metric);
  tile.querySelector(".value").textContent = shown;
  tile.querySelector(".band").textContent = tile.dataset.band;
  tile.querySelector(".detail").textContent = detail;
}

function showTiles(metrics) {
  const { deploymentFrequency: f, leadTime: l, changeFailureRate: c, timeToRestore: t } = metrics;
  showTile("deploymentFrequency", f, f.perDay, `${f.perDay.toFixed(2)} / day`,
    `${f.deployments} deployments · ${f.band.toLowerCase()}`);
  showTile("leadTime", l, l.durations.medianSeconds, duration(l.durations.medianSeconds),
    `mean ${duration(l.durations.meanSeconds)} · ${l.durations.count} changes`);
  showTile("changeFailureRate", c, c.rate,
    c.rate === null ? "–" : `${(c.rate * 100).toFixed(1)} %`,
    `${c.failedDeployments} failed + ${c.linkedIncidents} incidents / ${c.deployments} deployments`);
  showTile("timeToRestore", t, t.durations.medianSeconds, duration(t.durations.medianSeconds),
    `${t.durations.count} restored · ${t.unresolvedIncidents} unresolved`);
}

function perDay(args, counts) {
  const days = new Map();
  for (let ms = Date.parse(args.from); ms < Date.parse(args.to); ms += DAY_MS) {
    days.set(utcDay(ms), { day: utcDay(ms), deployments: 0, failures: 0 });
  }
  for (const { group, bucket, count } of counts) {
    const day = bucket && days.get(bucket.slice(0, 10));
    if (!day) continue;
    if (group.type === "deployment" && group.action === "succeeded") day.deployments += count;
    else if (group.type === "deployment" && group.action === "failed") day.failures += count;
    else if (group.type === "incident" && group.action === "initiated") day.failures += count;
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
  drawChart(document.getElementById("chart"), perDay(args, data.eventCounts), onChooseDay);
  panel.dataset.loaded = String(Number(panel.dataset.loaded || 0) + 1);
}

export function dayRange(day) {
  const from = Date.parse(`${day}T00:00:00Z`);
  return { gte: new Date(from).toISOString(), lt: new Date(from + DAY_MS).toISOString() };
}
