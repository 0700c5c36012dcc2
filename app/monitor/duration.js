// A span of seconds as the page shows it.

const HOUR = 3600;
const DAY = 24 * HOUR;

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < HOUR) return `${Math.round(seconds / 60)} min`;
  if (seconds < DAY) return `${(seconds / HOUR).toFixed(1)} h`;
  return `${(seconds / DAY).toFixed(1)} d`;
}
