// Day numbers: whole days counted from the map's start (day 0), the unit of /history and of the slider.
// All arithmetic in UTC so no time zone or daylight-saving change can shift a date.
const DAY_MS = 86400000;

export function isoToMs(iso) {
  return Date.parse(iso + "T00:00:00Z");
}

export function makeCalendar(epochIso) {
  const epochMs = isoToMs(epochIso);
  return {
    epoch: epochIso,
    dayOf(iso) {
      return Math.round((isoToMs(iso) - epochMs) / DAY_MS);
    },
    isoOf(day) {
      return new Date(epochMs + day * DAY_MS).toISOString().slice(0, 10);
    },
    dateOf(day) {
      return new Date(epochMs + day * DAY_MS);
    },
  };
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

// A real calendar date written YYYY-MM-DD, or null.
export function parseIso(value) {
  if (typeof value !== "string" || !ISO.test(value)) return null;
  const ms = isoToMs(value);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) return null;
  return value;
}
