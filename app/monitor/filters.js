// The page's one filter: read from the URL (so a view can be bookmarked), turned into the
// API's EventFilter for the stream, and into deliveryMetrics' arguments for the health panel.

export const FIELDS = ["source", "type", "action", "team", "repo", "where", "range"];
export const RANGES = ["7", "30", "90"];

export function readView(search) {
  const params = new URLSearchParams(search);
  const view = {};
  for (const name of FIELDS) view[name] = (params.get(name) || "").trim();
  if (!RANGES.includes(view.range)) view.range = "7";
  return view;
}

export function viewSearch(view) {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    if (view[name] && !(name === "range" && view[name] === "7")) params.set(name, view[name]);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

// `payload.a.b=value` or `data.x=value`: numbers and booleans as such, anything else as text.
export function condition(where) {
  if (!where) return null;
  const at = where.indexOf("=");
  const path = (at < 0 ? where : where.slice(0, at)).trim();
  if (!/^(payload|data)\.[^.\s]/.test(path)) {
    throw new Error("The condition's path starts with payload. or data.");
  }
  if (at < 0) return { path, exists: true };
  const text = where.slice(at + 1).trim();
  let value = text;
  if (/^-?\d+(\.\d+)?$/.test(text)) value = Number(text);
  else if (text === "true" || text === "false") value = text === "true";
  return { path, eq: value };
}

// The filter of the health panel: only what names a team's delivery (team, repo, condition);
// a type or action filter would leave DORA nothing to measure.
export function deliveryFilter(view) {
  const filter = {};
  if (view.team) filter.teamId = { eq: view.team };
  if (view.repo) filter.repo = { eq: view.repo };
  const where = condition(view.where);
  if (where) filter.field = [where];
  return filter;
}

export function streamFilter(view) {
  const filter = deliveryFilter(view);
  if (view.source) filter.source = { eq: view.source };
  if (view.type) filter.type = { eq: view.type };
  if (view.action) filter.action = { eq: view.action };
  return Object.keys(filter).length ? filter : null;
}
