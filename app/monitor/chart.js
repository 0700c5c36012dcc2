// Deployments succeeded, failed deployments and incidents per day as an SVG bar chart, drawn
// by hand: one <g> per day, a button to the keyboard and to screen readers, so a day can be
// chosen without a mouse. A left axis says how many; the bottom one, which days.

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

// days: [{day: "2026-11-20", deployments: n, failed: n, incidents: n}], oldest first.
export function drawChart(container, days, onChoose) {
  const width = Math.max(container.clientWidth || 600, 200);
  const most = Math.max(1, ...days.map((d) => d.deployments + d.failed + d.incidents));
  const slot = (width - AXIS) / days.length;
  const svg = element("svg", {
    viewBox: `0 0 ${width} ${HEIGHT + 16}`,
    width: "100%",
    height: HEIGHT + 16,
    role: "group",
    "aria-label": "Deployments succeeded, failed deployments and incidents per day",
  });
  // The left axis: zero, the busiest day's count, and a line at each.
  for (const [value, y] of [[0, HEIGHT], [most, 1]]) {
    element("line", { class: "grid", x1: AXIS, x2: width, y1: y, y2: y }, svg);
    // The top number hangs below its line, the bottom one sits on its own.
    const label = element("text", { class: "axis", x: AXIS - 4, y: Math.max(y + 3, 10),
      "text-anchor": "end" }, svg);
    label.textContent = String(value);
  }
  days.forEach((d, i) => {
    const x = AXIS + i * slot;
    const group = element("g", { class: "day", tabindex: "0", role: "button" }, svg);
    group.dataset.day = d.day;
    const label = `${d.day}: ${d.deployments} deployments, ${d.failed} failed, `
      + `${d.incidents} incidents`;
    group.setAttribute("aria-label", label);
    element("title", {}, group).textContent = label;
    element("rect", { class: "hit", x, y: 0, width: slot, height: HEIGHT }, group);
    const barWidth = Math.max(slot - GAP, 1);
    let top = HEIGHT;
    for (const part of ["deployments", "failed", "incidents"]) {
      const height = (d[part] / most) * HEIGHT;
      top -= height;
      element("rect", { class: part, x, y: top, width: barWidth, height }, group);
    }
    const choose = () => onChoose(d.day);
    group.addEventListener("click", choose);
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    });
  });
  for (const [i, d] of [[0, days[0]], [days.length - 1, days[days.length - 1]]]) {
    const text = element("text", { class: "axis", x: i === 0 ? AXIS : width, y: HEIGHT + 13,
      "text-anchor": i === 0 ? "start" : "end" }, svg);
    text.textContent = d.day;
  }
  container.replaceChildren(svg);
}
