// Deployments and failures per day as an SVG bar chart, drawn by hand: one <g> per day, a
// button to the keyboard and to screen readers, so a day can be chosen without a mouse.

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 120;
const GAP = 2;

function element(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent?.appendChild(node);
  return node;
}

// days: [{day: "2026-11-20", deployments: n, failures: n}], oldest first.
export function drawChart(container, days, onChoose) {
  const width = Math.max(container.clientWidth || 600, 200);
  const most = Math.max(1, ...days.map((d) => d.deployments + d.failures));
  const slot = width / days.length;
  const svg = element("svg", {
    viewBox: `0 0 ${width} ${HEIGHT + 16}`,
    width: "100%",
    height: HEIGHT + 16,
    role: "group",
    "aria-label": "Deployments and failures per day",
  });
  days.forEach((d, i) => {
    const group = element("g", { class: "day", tabindex: "0", role: "button" }, svg);
    group.dataset.day = d.day;
    const label = `${d.day}: ${d.deployments} deployments, ${d.failures} failures`;
    group.setAttribute("aria-label", label);
    element("title", {}, group).textContent = label;
    element("rect", { class: "hit", x: i * slot, y: 0, width: slot, height: HEIGHT }, group);
    const barWidth = Math.max(slot - GAP, 1);
    const deployed = (d.deployments / most) * HEIGHT;
    const failed = (d.failures / most) * HEIGHT;
    element("rect", { class: "deployed", x: i * slot, y: HEIGHT - deployed, width: barWidth,
      height: deployed }, group);
    element("rect", { class: "failed", x: i * slot, y: HEIGHT - deployed - failed,
      width: barWidth, height: failed }, group);
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
    const text = element("text", { x: i === 0 ? 0 : width, y: HEIGHT + 13,
      "text-anchor": i === 0 ? "start" : "end" }, svg);
    text.textContent = d.day;
  }
  container.replaceChildren(svg);
}
