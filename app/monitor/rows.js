// One event as one row of the stream: a button, so the keyboard opens it as a mouse does.

function cell(className, text) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text ?? "";
  return span;
}

function place(event) {
  const raw = event.raw || {};
  return event.source === "FLEXDEPLOY" ? raw.object : raw.repo;
}

// FlexDeploy pipeline stages carry their status and environment into the row.
function stage(event) {
  const payload = event.pipelineStagePayload;
  if (!payload) return "";
  const status = payload.pipelineStageExecution?.executionStatus || "";
  const environment = payload.environment?.environmentCode
    || payload.environment?.environmentName || "";
  return [status, environment].filter(Boolean).join(" · ");
}

export function eventRow(event) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "event";
  button.dataset.id = event.id;
  const status = stage(event);
  const what = cell("what", event.action ? `${event.type} / ${event.action}` : event.type);
  if (status) {
    const badge = cell(`stage ${status.split(" ")[0].toLowerCase()}`, status);
    what.append(" ", badge);
  }
  const time = document.createElement("time");
  time.className = "when";
  time.dateTime = event.timestamp;
  time.textContent = event.timestamp.replace("T", " ").replace(/\.\d+Z$/, "Z");
  button.append(
    cell(`source ${event.source.toLowerCase()}`, event.source === "FLEXDEPLOY" ? "FlexDeploy" : "Lifecycle"),
    what,
    cell("team", event.teamId),
    cell("place", place(event)),
    time,
  );
  const item = document.createElement("li");
  item.append(button);
  return item;
}
