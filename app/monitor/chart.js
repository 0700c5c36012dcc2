// The health panel's drawings, as SVG drawn by hand: deployments succeeded, failed deployments
// and incidents per period as bars, one <g> per period, a button to the keyboard and to screen
// readers, so a period can be chosen without a mouse (a left axis says how many; the bottom
// one, which days); and each metric's trend as a small line.

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 120;
const GAP = 2;
const AXIS = 28; // room for the left axis's numbers

function element(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent?.appendChild(node);
  return node;
}

function dayOf(moment) {
  return moment.slice(0, 10);
}

// A period as people say it: one day, or its first and last days.
export function periodName(period) {
  const last = new Date(Date.parse(period.end) - 1).toISOString();
  return dayOf(period.start) === dayOf(last) ? dayOf(period.start)
    : `${dayOf(period.start)} – ${dayOf(last)}`;
}

// periods: [{start, end, deployments, failed, incidents}], oldest first.
export function drawChart(container, periods, onChoose) {
  const width = Math.max(container.clientWidth || 600, 200);
  const most = Math.max(1, ...periods.map((p) => p.deployments + p.failed + p.incidents));
  const slot = (width - AXIS) / periods.length;
  const svg = element("svg", {
    viewBox: `0 0 ${width} ${HEIGHT + 16}`,
    width: "100%",
    height: HEIGHT + 16,
    role: "group",
    "aria-label": "Deployments succeeded, failed deployments and incidents per period",
  });
  // The left axis: zero, the busiest period's count, and a line at each.
  for (const [value, y] of [[0, HEIGHT], [most, 1]]) {
    element("line", { class: "grid", x1: AXIS, x2: width, y1: y, y2: y }, svg);
    // The top number hangs below its line, the bottom one sits on its own.
    const label = element("text", { class: "axis", x: AXIS - 4, y: Math.max(y + 3, 10),
      "text-anchor": "end" }, svg);
    label.textContent = String(value);
  }
  periods.forEach((p, i) => {
    const x = AXIS + i * slot;
    const group = element("g", { class: "day", tabindex: "0", role: "button" }, svg);
    group.dataset.day = dayOf(p.start);
    group.dataset.start = p.start;
    group.dataset.end = p.end;
    group.dataset.counts = JSON.stringify([p.deployments, p.failed, p.incidents]);
    const label = `${periodName(p)}: ${p.deployments} deployments, ${p.failed} failed, `
      + `${p.incidents} incidents`;
    group.setAttribute("aria-label", label);
    element("title", {}, group).textContent = label;
    element("rect", { class: "hit", x, y: 0, width: slot, height: HEIGHT }, group);
    const barWidth = Math.max(slot - GAP, 1);
    let top = HEIGHT;
    for (const part of ["deployments", "failed", "incidents"]) {
      const height = (p[part] / most) * HEIGHT;
      top -= height;
      element("rect", { class: part, x, y: top, width: barWidth, height }, group);
    }
    const choose = () => onChoose(p);
    group.addEventListener("click", choose);
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    });
  });
  const ends = [[0, periods[0]], [periods.length - 1, periods[periods.length - 1]]];
  for (const [i, p] of ends) {
    const text = element("text", { class: "axis", x: i === 0 ? AXIS : width, y: HEIGHT + 13,
      "text-anchor": i === 0 ? "start" : "end" }, svg);
    text.textContent = dayOf(p.start);
  }
  container.replaceChildren(svg);
}

const TREND_WIDTH = 120;
const TREND_HEIGHT = 24;

// values: one per period, oldest first; null where the period had nothing to measure (a gap
// in the line, not a zero).
export function drawTrend(container, values, label) {
  const known = values.filter((v) => v !== null);
  const svg = element("svg", {
    viewBox: `0 0 ${TREND_WIDTH} ${TREND_HEIGHT}`,
    width: TREND_WIDTH,
    height: TREND_HEIGHT,
    role: "img",
    "aria-label": `${label}: ${values.map((v) => (v === null ? "none" : +v.toPrecision(3)))
      .join(", ")}`,
  });
  const low = Math.min(...known);
  const high = Math.max(...known);
  const step = TREND_WIDTH / Math.max(values.length - 1, 1);
  const y = (v) => (high === low ? TREND_HEIGHT / 2
    : TREND_HEIGHT - 2 - ((v - low) / (high - low)) * (TREND_HEIGHT - 4));
  let run = [];
  const runs = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push([i * step, y(v)]);
    }
  });
  if (run.length) runs.push(run);
  for (const points of runs) {
    if (points.length === 1) {
      element("circle", { cx: points[0][0], cy: points[0][1], r: 1.5 }, svg);
    } else {
      element("polyline", { points: points.map((p) => p.join(",")).join(" ") }, svg);
    }
  }
  container.replaceChildren(svg);
}
