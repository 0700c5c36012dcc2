// DORA performance bands. Deployment frequency's band comes from the API; the API gives the
// other three metrics as numbers only, so the page places them by the thresholds of the
// DORA "Accelerate State of DevOps" report (2021), the gaps between its bands closed at the
// upper bound. Lead time and time to restore use medians, as Four Keys does.

const HOUR = 3600;
const DAY = 24 * HOUR;

const LEAD_TIME = [
  [DAY, "Elite"],
  [7 * DAY, "High"],
  [182 * DAY, "Medium"],
];
const TIME_TO_RESTORE = [
  [HOUR, "Elite"],
  [DAY, "High"],
  [7 * DAY, "Medium"],
];
const CHANGE_FAILURE_RATE = [
  [0.15, "Elite"],
  [0.3, "High"],
  [0.45, "Medium"],
];
const FREQUENCY = { DAILY: "Elite", WEEKLY: "High", MONTHLY: "Medium", YEARLY: "Low" };

function band(value, thresholds) {
  if (value === null || value === undefined) return "None";
  for (const [limit, name] of thresholds) if (value < limit) return name;
  return "Low";
}

export const bands = {
  deploymentFrequency: (metric) => (metric.deployments ? FREQUENCY[metric.band] : "None"),
  leadTime: (metric) => band(metric.durations.medianSeconds, LEAD_TIME),
  changeFailureRate: (metric) => band(metric.rate, CHANGE_FAILURE_RATE),
  timeToRestore: (metric) => band(metric.durations.medianSeconds, TIME_TO_RESTORE),
};

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < HOUR) return `${Math.round(seconds / 60)} min`;
  if (seconds < DAY) return `${(seconds / HOUR).toFixed(1)} h`;
  return `${(seconds / DAY).toFixed(1)} d`;
}
