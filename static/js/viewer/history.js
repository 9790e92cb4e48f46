// The record of control in the browser: periods per zone from /history, and the state on any day worked out
// here, without a round trip. The rule is the server's (mapapp.selectors.zone_states_at and
// besieged_place_ids): a period is in effect on day D when from <= D < to; a zone is besieged on D when a siege
// is in effect (start <= D < end), D is before the zone's own `until`, and the besieged actor holds or contests
// the zone on D.
const OPEN = 2147483647;

export function buildHistory(raw, zoneAreas) {
  const zoneCount = raw.zones;
  const p = raw.periods;
  const count = p.zone.length;
  const from = Int32Array.from(p.from);
  const to = Int32Array.from(p.to, (value) => (value === null ? OPEN : value));
  const actor = Int16Array.from(p.actor);
  const status = Int8Array.from(p.status);
  const since = Int32Array.from(p.since);
  // 1 where the hold began some time before `since` (a baseline: "held before 8 July 2024").
  const sinceBefore = Int8Array.from(p.since_before || []);
  const change = Int32Array.from(p.change);
  // Periods are sorted by zone then start; zoneStart[z]..zoneStart[z+1] are zone z's.
  const zoneStart = new Int32Array(zoneCount + 1);
  for (let i = 0; i < count; i++) zoneStart[p.zone[i] + 1]++;
  for (let z = 0; z < zoneCount; z++) zoneStart[z + 1] += zoneStart[z];

  const changeDays = Array.from(new Set(raw.changes.day)).sort((a, b) => a - b);
  const sieges = raw.sieges.map((siege) => ({
    ...siege,
    endDay: siege.end === null ? OPEN : siege.end,
    untilDays: siege.until.map((value) => (value === null ? OPEN : value)),
  }));

  function newState() {
    return {
      day: null,
      actor: new Int16Array(zoneCount).fill(-1),
      status: new Int8Array(zoneCount).fill(-1),
      period: new Int32Array(zoneCount).fill(-1),
      siege: new Int16Array(zoneCount).fill(-1),
    };
  }

  // Fill `state` for `day`; returns it. Each zone has few periods, so a scan from the latest is quick.
  function stateAt(day, state) {
    state = state || newState();
    state.day = day;
    for (let z = 0; z < zoneCount; z++) {
      let found = -1;
      for (let i = zoneStart[z + 1] - 1; i >= zoneStart[z]; i--) {
        if (from[i] <= day) {
          if (day < to[i]) found = i;
          break;
        }
      }
      state.period[z] = found;
      state.actor[z] = found < 0 ? -1 : actor[found];
      state.status[z] = found < 0 ? -1 : status[found];
      state.siege[z] = -1;
    }
    for (let s = 0; s < sieges.length; s++) {
      const siege = sieges[s];
      if (siege.start > day || day >= siege.endDay) continue;
      for (let k = 0; k < siege.zones.length; k++) {
        const z = siege.zones[k];
        if (day < siege.untilDays[k] && state.actor[z] === siege.besieged && state.siege[z] < 0) state.siege[z] = s;
      }
    }
    return state;
  }

  // Every siege besieging zone z on the state's day, in the server's order (start, slug); state.siege[z] is the
  // first. A zone can be inside two sieges that overlap in time.
  function siegesOf(state, z) {
    const found = [];
    if (state.siege[z] < 0) return found;
    for (let s = state.siege[z]; s < sieges.length; s++) {
      const siege = sieges[s];
      if (siege.start > state.day || state.day >= siege.endDay || state.actor[z] !== siege.besieged) continue;
      const k = siege.zones.indexOf(z);
      if (k >= 0 && state.day < siege.untilDays[k]) found.push(s);
    }
    return found;
  }

  function period(i) {
    return {
      index: i,
      actor: actor[i],
      status: raw.statuses[status[i]],
      from: from[i],
      to: to[i] === OPEN ? null : to[i],
      since: since[i],
      sinceBefore: sinceBefore[i] === 1,
      change: change[i],
    };
  }

  function zonePeriods(z) {
    const list = [];
    for (let i = zoneStart[z]; i < zoneStart[z + 1]; i++) list.push(period(i));
    return list;
  }

  function changeInfo(c) {
    const changes = raw.changes;
    const sources = raw.sources;
    return {
      id: changes.id[c],
      day: changes.day[c],
      confidence: raw.confidences[changes.confidence[c]],
      title: changes.title[c],
      note: changes.note[c],
      sources: changes.sources[c].map((s) => ({
        title: sources.title[s],
        publisher: sources.publisher[s],
        url: sources.url[s],
        published: sources.published[s],
      })),
    };
  }

  // The change day before / after `day` (null when none), for stepping by change.
  function nextChangeDay(day, direction) {
    if (direction > 0) {
      for (const d of changeDays) if (d > day) return d;
      return null;
    }
    for (let i = changeDays.length - 1; i >= 0; i--) if (changeDays[i] < day) return changeDays[i];
    return null;
  }

  // km² held by each actor on every day from first to last (inclusive): one array per actor. Built from
  // period starts and ends (a running sum), not by deriving every day.
  function areaSeries(first, last) {
    const days = last - first + 1;
    const series = raw.actors.map(() => new Float64Array(days));
    for (let i = 0; i < count; i++) {
      const area = zoneAreas[p.zone[i]] || 0;
      const begin = Math.max(from[i], first);
      if (begin > last || to[i] <= first) continue;
      series[actor[i]][begin - first] += area;
      if (to[i] <= last) series[actor[i]][to[i] - first] -= area;
    }
    for (const values of series) for (let d = 1; d < days; d++) values[d] += values[d - 1];
    return series;
  }

  // Ground gained and lost by each actor between the state on day `before` and on day `after` (km²), the
  // rule of /changes: a zone that changed hands and came back counts for nothing.
  function compare(before, after) {
    const a = stateAt(before);
    const b = stateAt(after);
    const totals = raw.actors.map(() => ({ gained: 0, lost: 0 }));
    const changed = [];
    for (let z = 0; z < zoneCount; z++) {
      if (a.actor[z] === b.actor[z]) continue;
      const area = zoneAreas[z] || 0;
      if (b.actor[z] >= 0) totals[b.actor[z]].gained += area;
      if (a.actor[z] >= 0) totals[a.actor[z]].lost += area;
      changed.push(z);
    }
    return { totals, changed, before: a, after: b };
  }

  return {
    raw,
    zoneCount,
    actors: raw.actors,
    sieges,
    start: raw.start,
    end: raw.end,
    changeDays,
    newState,
    stateAt,
    siegesOf,
    zonePeriods,
    changeInfo,
    nextChangeDay,
    areaSeries,
    compare,
  };
}
