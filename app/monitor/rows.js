// One event as one row of the stream: a button, so the keyboard opens it as a mouse does.

function cell(className, text) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text ?? "";
  return span;
}

// Each family's label, as the service names them (`eventSources`).
export const SOURCE_TITLES = new Map();

// Where it happened: its repository, else what it is about, as the API names them for every
// family.
function place(event) {
  return event.repo || event.object || "";
}

export function eventRow(event) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "event";
  button.dataset.id = event.id;
  // What happened and the state it reports, as the event's family reads them (`summary`,
  // `status`): the page knows no family.
  const status = event.status || "";
  const kind = cell("what", event.summary);
  if (status) {
    const badge = cell(`said ${status.split(" ")[0].toLowerCase()}`, status);
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
