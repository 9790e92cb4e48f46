"""Admin pages for the editorial workflow: mark a control change on a map, the reviewers' queue, and the
review and restore actions. Wrapped by admin_site.admin_view (login, staff) in ControlChangeAdmin.get_urls;
each checks its own permission. Writes go through mapapp.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mapapp import display, services, viewer
from mapapp.lib.http import only
from mapapp.models import Actor, Confidence, ControlChange, ControlStatus, Map, ReviewState
from mapapp.previews import change_preview, ground_preview

# Words the mark page's script shows, in the page's language (the script builds no text of its own).
MARK_WORDS = {
    "loading": gettext_lazy("Loading the map…"),
    "noZones": gettext_lazy("This map has no zones to mark."),
    "selected": gettext_lazy("selected"),
    "nothingSelected": gettext_lazy("Click zones on the map, or tick them in the list."),
    "changesHands": gettext_lazy("%(count)s place(s) change hands, %(km2)s km²"),
    "statusOnly": gettext_lazy("changes status only"),
    "noChange": gettext_lazy("no change"),
    "unknown": gettext_lazy("unknown"),
    "until": gettext_lazy("until %(date)s (a later change)"),
    "gained": gettext_lazy("%(actor)s gains %(km2)s km²"),
    "lost": gettext_lazy("%(actor)s loses %(km2)s km²"),
    "saved": gettext_lazy("Saved as draft #%(id)s. A reviewer will check it before it goes public."),
    "openQueue": gettext_lazy("Open the review queue"),
    "fixErrors": gettext_lazy("The change was not saved:"),
    "removeSource": gettext_lazy("Remove this source"),
    "notAZone": gettext_lazy("not a zone of this map"),
    # The places an article names (article-places.js): why a mention is or is not taken for a place.
    "sure": gettext_lazy("%(percent)s sure"),
    "comma": gettext_lazy(", "),
    "otherPlaces": gettext_lazy("other places of this name: %(names)s"),
    "whyCommon": gettext_lazy("a common word (%(zipf)s) with nothing beside it that says it is a place"),
    "whyOtherName": gettext_lazy("part of the name of something else (after “%(word)s”)"),
    "whyKindWord": gettext_lazy("a word for a kind of place, not a name"),
    "whyInsideName": gettext_lazy("inside a longer name (beside “%(word)s”)"),
    "whyGeneric": gettext_lazy("only part of the place's name"),
    "whyAbroad": gettext_lazy("the name of a place abroad (%(word)s)"),
    "whySpelling": gettext_lazy("a spelling close to “%(word)s”, not one the gazetteer has"),
    "whyWeak": gettext_lazy("little sign that it is a place"),
    "evidence_rare_word": gettext_lazy("a name, not a common word"),
    "evidence_cue": gettext_lazy("a place word beside it"),
    "evidence_preposition": gettext_lazy("a preposition of place"),
    "evidence_list": gettext_lazy("in a list of places"),
    "evidence_map": gettext_lazy("a zone of this map"),
    "evidence_known": gettext_lazy("a well-known place"),
    "evidence_again": gettext_lazy("named again"),
    "noMatches": gettext_lazy("No known places found in this text."),
    "matchUnavailable": gettext_lazy("Place matching is not available on this server yet."),
    "held": gettext_lazy("held"),
    "contested": gettext_lazy("contested"),
    "networkError": gettext_lazy("The server could not be reached; nothing was saved. Try again."),
    # The events near the change (mark-events.js).
    "eventsPick": gettext_lazy("Choose the zones and the date: the events near them are listed here."),
    "eventsNone": gettext_lazy("No events near these zones and this date."),
    "eventNear": gettext_lazy("(%(km)s km, %(days)s days)"),
    "eventDraft": gettext_lazy("draft"),
    "eventEdit": gettext_lazy("Edit"),
    "eventAdd": gettext_lazy("Add an event"),
    "eventEditing": gettext_lazy("Edit event #%(id)s"),
    # The ground drawn on the map (a change with a geometry): what publishing would cut.
    "groundDrawn": gettext_lazy("Ground drawn: %(count)s shape(s). The preview counts only the ground inside it."),
    "groundSummary": gettext_lazy(
        "The drawn ground covers %(km2)s km²: publishing splits %(split)s zone(s) into %(parts)s parts and takes"
        " %(covered)s zone(s) whole."
    ),
    "groundSplit": gettext_lazy("%(name)s: %(inside)s km² inside the ground, %(outside)s km² outside"),
    "groundSaved": gettext_lazy("The drawn ground is saved with the draft."),
    "cutDrawn": gettext_lazy(
        "A cut line is drawn: the zones it crosses are cut, and the side chosen below changed hands."
    ),
}

# Leaflet-Geoman's words for the tools the mark page shows (its own catalogue has no Arabic); the rest stay English.
DRAW_WORDS = {
    "tooltips": {
        "firstVertex": gettext_lazy("Click to place the first corner"),
        "continueLine": gettext_lazy("Click to place the next corner"),
        "finishPoly": gettext_lazy("Click the first corner to finish"),
        "finishRect": gettext_lazy("Click to finish"),
        "finishLine": gettext_lazy("Click the last corner to finish the cut"),
    },
    "actions": {
        "finish": gettext_lazy("Finish"),
        "cancel": gettext_lazy("Cancel"),
        "removeLastVertex": gettext_lazy("Remove the last corner"),
    },
    "buttonTitles": {
        "drawPolyButton": gettext_lazy("Draw the ground that changed hands"),
        "drawRectButton": gettext_lazy("Draw a rectangle of ground"),
        "drawLineButton": gettext_lazy("Cut zones with a line"),
        "editButton": gettext_lazy("Move the corners of the drawn ground"),
        "deleteButton": gettext_lazy("Remove a drawn shape"),
    },
}


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _context(request: HttpRequest, title: str) -> dict:
    opts = ControlChange._meta
    return {**admin.site.each_context(request), "title": title, "opts": opts, "app_label": opts.app_label}


def mark_change(request: HttpRequest) -> HttpResponse:
    """The "Mark control change" page. The page itself only reads; it saves through the write API."""
    _require(request, "mapapp.add_controlchange")
    maps = []
    for map_ in Map.objects.public().prefetch_related("actors").order_by("slug"):
        maps.append(viewer.editor_map(map_, request.LANGUAGE_CODE))
    config = {
        "maps": maps,
        "map": request.GET.get("map") or (maps[0]["slug"] if maps else None),
        "date": request.GET.get("date", ""),
        "language": request.LANGUAGE_CODE,
        "queueUrl": reverse("admin:mapapp_controlchange_review"),
        "words": {key: str(value) for key, value in MARK_WORDS.items()},
        "drawWords": {group: {key: str(value) for key, value in words.items()} for group, words in DRAW_WORDS.items()},
    }
    context = _context(request, _("Mark control change"))
    context.update(
        {
            "config": config,
            "statuses": [(value, display.word(value)) for value in ControlStatus.values],
            "confidences": [
                (Confidence.HIGH, _("high")),
                (Confidence.MEDIUM, _("medium")),
                (Confidence.LOW, _("low")),
            ],
            "has_maps": bool(maps),
            "event_link_km": settings.EVENT_LINK_KM,
            "event_link_days": settings.EVENT_LINK_DAYS,
        }
    )
    return render(request, "admin/mapapp/controlchange/mark.html", context)


def _map_for(change: ControlChange) -> Map | None:
    """The public map showing the change's places (the first by slug), for its preview; a change carrying
    ground, its own map."""
    if change.map_id is not None:
        return change.map
    return Map.objects.public().filter(places__in=change.places.all()).distinct().order_by("slug").first()


def review_queue(request: HttpRequest) -> HttpResponse:
    """Drafts, oldest first, each with what it would change (the same preview as the mark page)."""
    _require(request, "mapapp.view_controlchange")
    state = request.GET.get("state", ReviewState.DRAFT)
    if state not in ReviewState.values:
        state = ReviewState.DRAFT
    changes = (
        ControlChange.objects.filter(review_state=state)
        .select_related("actor", "created_by", "reviewed_by")
        .prefetch_related("places", "sources")
        .order_by("created_at", "id")[:100]
    )
    actors = {actor.slug: actor for actor in Actor.objects.all()}
    cards = []
    for change in changes:
        places = list(change.places.all())
        if change.geometry is not None and change.review_state != ReviewState.PUBLISHED:
            # Not split yet: the zones its ground would cover and cut, counted for the ground inside them.
            preview = ground_preview(
                map=change.map, geometry=change.geometry, places=places, on=change.date, actor=change.actor,
                status=change.status,
            )  # fmt: skip
        else:
            preview = change_preview(
                on=change.date, places=places, actor=change.actor, status=change.status, excluding=change
            )
        for row in preview["places"]:
            before = actors.get(row["from_actor"])
            row["from_name"] = display.local_name(before) if before else _("unknown")
            row["name"] = row["name_ar"] if request.LANGUAGE_CODE == "ar" and row["name_ar"] else row["name_en"]
        map_ = _map_for(change)
        # the small map shows the change's date, or the map's nearest day when the change lies outside its dates
        map_date = min(max(change.date, map_.start), map_.end) if map_ else change.date
        cards.append(
            {
                "change": change,
                "actor_name": display.local_name(change.actor),
                "status_word": display.word(change.status),
                "preview": preview,
                "map": map_,
                "map_name": f"draft-map-{change.pk}",
                "map_date": map_date,
                "map_config": {
                    "id": change.pk,
                    "map": map_.slug if map_ else None,
                    "date": map_date.isoformat(),
                    "places": [place.slug for place in places],
                    "color": change.actor.color,
                    "status": change.status,
                    "basemap": viewer.basemap_url(map_) if map_ else None,
                },
            }
        )
    context = _context(request, _("Review queue"))
    context.update(
        {
            "cards": cards,
            "state": state,
            "states": [(value, display.word(value)) for value in ReviewState.values],
            "can_publish": request.user.has_perm("mapapp.publish_controlchange"),
            "can_reject": request.user.has_perm("mapapp.reject_controlchange"),
            "can_withdraw": request.user.has_perm("mapapp.withdraw_controlchange"),
        }
    )
    return render(request, "admin/mapapp/controlchange/review.html", context)


_ACTIONS = {
    "publish": ("mapapp.publish_controlchange", gettext_lazy("Change #%(id)s is published.")),
    "reject": ("mapapp.reject_controlchange", gettext_lazy("Change #%(id)s is rejected; the editor sees why.")),
    "withdraw": ("mapapp.withdraw_controlchange", gettext_lazy("Change #%(id)s is withdrawn (kept in history).")),
}


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return HttpResponseRedirect(target or default)


def _act_on_change(request: HttpRequest, change_id: int, *, permission: str, act, done: str, refused: str) -> None:
    """What the review pages' actions share: the permission, the change, the service `act(change)`, and a message:
    `done`, or `refused` (formatted with the change's id and the service's problem)."""
    _require(request, permission)
    change = get_object_or_404(ControlChange, pk=change_id)
    try:
        act(change)
    except ValidationError as exc:
        messages.error(request, refused % {"id": change.pk, "problem": exc.messages[0]})
    else:
        messages.success(request, done)


@only("POST")
def review_act(request: HttpRequest, change_id: int) -> HttpResponse:
    """POST action=publish|reject|withdraw (reason for reject and withdraw)."""
    back = reverse("admin:mapapp_controlchange_review")
    action = request.POST.get("action", "")
    if action not in _ACTIONS:
        messages.error(request, _("Unknown action."))
        return _back(request, back)
    permission, done = _ACTIONS[action]
    reason = request.POST.get("reason", "")
    by_action = {
        "publish": lambda change: services.control_change_publish(change=change, by=request.user),
        "reject": lambda change: services.control_change_reject(change=change, by=request.user, reason=reason),
        "withdraw": lambda change: services.control_change_withdraw(change=change, by=request.user, reason=reason),
    }
    _act_on_change(
        request,
        change_id,
        permission=permission,
        act=by_action[action],
        done=done % {"id": change_id},
        refused=_("Change #%(id)s: %(problem)s"),
    )
    return _back(request, back)


@only("POST")
def restore_version(request: HttpRequest, change_id: int, version_id: int) -> HttpResponse:
    """POST: put the change back as it was in version `version_id`; the public map follows."""
    _act_on_change(
        request,
        change_id,
        permission="mapapp.restore_controlchange",
        act=lambda change: services.control_change_restore(
            change=change, version_id=version_id, by=request.user, reason=request.POST.get("reason", "")
        ),
        done=_("Change #%(id)s is back as it was in version %(version)s.") % {"id": change_id, "version": version_id},
        refused="%(problem)s",
    )
    return HttpResponseRedirect(reverse("admin:mapapp_controlchange_history", args=[change_id]))
