// The places a pasted article names (POST /api/v1/places/match), as a checklist under the highlighted text:
// one row per place, ticked when the match is confident and the place is a zone of the map (a tick selects the
// zone), the others unticked with why they may not be a place (the answer's `evidence`, docs/geoparsing.md).
// Text from the article and the gazetteer goes in through textContent only.
import { fmt } from "./common.js";

// Why a mention is not confident, in the page's words: the strongest evidence against it, else its commonness.
export function whyNot(match, words) {
  const against = (match.evidence || [])
    .slice(1)
    .filter((item) => item.weight < 0)
    .sort((a, b) => a.weight - b.weight)[0];
  if (against) {
    const template = {
      "other-name": words.whyOtherName,
      "kind-word": words.whyKindWord,
      "capitalised-neighbour": words.whyInsideName,
      "inside-generic": words.whyGeneric,
      abroad: words.whyAbroad,
      spelling: words.whySpelling,
    }[against.kind];
    if (template) return fmt(template, { word: against.detail });
  }
  const prior = (match.evidence || [])[0];
  if (prior && prior.kind === "common-word") return fmt(words.whyCommon, { zipf: prior.detail });
  return words.whyWeak;
}

// What made it confident, shortly: the kinds of evidence for it.
function whyYes(match, words) {
  const kinds = (match.evidence || [])
    .filter((item) => item.weight > 0 && item.kind !== "common-word")
    .map((item) => item.kind);
  return kinds
    .map((kind) => words[`evidence_${kind.replace("-", "_")}`])
    .filter(Boolean)
    .join(", ");
}

// One row per place, in the order the text first names it. `isZone(slug)`, `isSelected(slug)`, `name(match)`
// and `toggle(slug, on)` come from the page; returns the slugs to select (confident zones).
export function renderPlaceList(list, matches, { words, isZone, isSelected, name, toggle }) {
  list.textContent = "";
  const byPlace = new Map();
  matches.forEach(function (match) {
    const seen = byPlace.get(match.place);
    if (!seen) byPlace.set(match.place, { first: match, best: match, count: 1 });
    else {
      seen.count += 1;
      if (match.confidence > seen.best.confidence) seen.best = match;
    }
  });
  const ticked = [];
  byPlace.forEach(function ({ best, count }, slug) {
    const zone = isZone(slug);
    const item = document.createElement("li");
    item.dataset.place = slug;
    item.dataset.confident = String(best.confident);
    item.className = best.confident ? "is-confident" : "is-doubtful";
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = slug;
    box.disabled = !zone;
    box.checked = zone && (best.confident || isSelected(slug));
    box.addEventListener("change", () => toggle(slug, box.checked));
    if (zone && best.confident) ticked.push(slug);
    const title = document.createElement("span");
    title.className = "place-name";
    title.dir = "auto";
    title.textContent = name(best);
    const said = document.createElement("span");
    said.className = "place-said";
    said.dir = "auto";
    said.textContent = count > 1 ? `«${best.text}» ×${count}` : `«${best.text}»`;
    const sure = document.createElement("span");
    sure.className = "place-confidence";
    sure.textContent = fmt(words.sure, { percent: `${Math.round(best.confidence * 100)}%` });
    label.append(box, " ", title, " ", said, " ", sure);
    item.appendChild(label);
    const why = document.createElement("span");
    why.className = "place-why";
    why.dir = "auto";
    if (!zone) why.textContent = words.notAZone;
    else if (!best.confident) why.textContent = whyNot(best, words);
    else why.textContent = whyYes(best, words);
    item.appendChild(why);
    if ((best.runners_up || []).length) {
      const others = document.createElement("span");
      others.className = "place-others";
      others.dir = "auto";
      others.textContent = fmt(words.otherPlaces, {
        names: best.runners_up.map((other) => name(other)).join(words.comma),
      });
      item.appendChild(others);
    }
    list.appendChild(item);
  });
  return ticked;
}
