// One event as one row of the stream: a button, so the keyboard opens it as a mouse does.

function cell(className, text) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text ?? "";
  return span;
}

// Each family's label, as the service names them (`eventSources`).
export const SOURCE_TITLES = new Map();

// Where it happened: its repository, else what it is about (a FlexDeploy object, a CDEvent's
// subject), as the API names them for every family.
function place(event) {
  return event.repo || event.object || "";
}

// `dev.cdevents.service.deployed.0.3.0` reads as `service.deployed`: the rest is the same
// for every CDEvent of this spec (the full type is in the opened event).
function what(event) {
  if (event.source === "CDEVENTS") {
    const parts = event.type.split(".");
    return parts.length >= 4 ? `${parts[2]}.${parts[3]}` : event.type;
  }
  return event.action ? `${event.type} / ${event.action}` : event.type;
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
  const kind = cell("what", what(event));
  if (status) {
    const badge = cell(`stage ${status.split(" ")[0].toLowerCase()}`, status);
    kind.append(" ", badge);
  }
  if (event.late) {
    button.classList.add("late");
    kind.append(" ", cell("late-badge", "late arrival"));
  }
  const time = document.createElement("time");
  time.className = "when";
  time.dateTime = event.timestamp;
  time.textContent = event.timestamp.replace("T", " ").replace(/\.\d+Z$/, "Z");
  button.append(
    cell(`source ${event.source.toLowerCase()}`, SOURCE_TITLES.get(event.source) || event.source),
    kind,
    cell("team", event.teamId),
    cell("place", place(event)),
    time,
  );
  const item = document.createElement("li");
  item.append(button);
  return item;
}
