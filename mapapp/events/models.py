"""The Event model. Imported by mapapp.models so Django finds it in the mapapp app; writes go through
mapapp.services.events."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class EventDatePrecision(models.TextChoices):
    """How exactly the date is known: ACLED's time_precision 1/2/3 and UCDP's date_prec 1..5 fold into these."""

    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class GeoPrecision(models.TextChoices):
    """How exactly the point is known: ACLED's geo_precision 1/2/3 and UCDP's where_prec 1..7 fold into these."""

    EXACT = "exact", _("exact place")
    NEAR = "near", _("near the place")
    DISTRICT = "district", _("district")
    PROVINCE = "province", _("province")
    COUNTRY = "country", _("country")


class EventOrigin(models.TextChoices):
    """Where the event came from; with the external id it names one event of that dataset."""

    EDITOR = "editor", _("editor")
    ACLED = "acled", "ACLED"
    UCDP = "ucdp", "UCDP GED"
    CSV = "csv", "CSV"


class EventState(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review_state=EventState.PUBLISHED)


class Event(models.Model):
    """Something that happened at a point on `date` (to `date_end` inclusive, when a dataset gives a span).

    Beside the record of control, not part of it: events never change who holds a zone.
    """

    map = models.ForeignKey("mapapp.Map", on_delete=models.CASCADE, related_name="events")
    date = models.DateField()
    date_end = models.DateField(null=True, blank=True, help_text="last day, inclusive, when the date is a span")
    date_precision = models.CharField(max_length=8, choices=EventDatePrecision.choices, default=EventDatePrecision.DAY)
    event_type = models.CharField(max_length=100, help_text="e.g. Battles, Explosions/Remote violence")
    sub_event_type = models.CharField(max_length=100, blank=True, help_text="e.g. Air/drone strike")
    actor1 = models.CharField(max_length=300, blank=True)
    actor2 = models.CharField(max_length=300, blank=True)
    actors = models.ManyToManyField(
        "mapapp.Actor", related_name="events", blank=True, help_text="the map's sides this event involves"
    )
    location = models.PointField(srid=4326)
    location_name = models.CharField(max_length=300, blank=True)
    admin_area = models.CharField(max_length=300, blank=True, help_text="e.g. Deir ez-Zor / Al Mayadin")
    geo_precision = models.CharField(max_length=10, choices=GeoPrecision.choices, default=GeoPrecision.EXACT)
    fatalities_best = models.PositiveIntegerField(null=True, blank=True)
    fatalities_low = models.PositiveIntegerField(null=True, blank=True)
    fatalities_high = models.PositiveIntegerField(null=True, blank=True)
    sources = models.ManyToManyField("mapapp.Source", related_name="events", blank=True)
    notes = models.TextField(blank=True)
    # The control changes this event helps explain (linked by editors from the mark page or the change's admin,
    # where the events near the change in place and time are suggested: mapapp.events.selectors.events_near).
    changes = models.ManyToManyField(
        "mapapp.ControlChange", related_name="events", blank=True, help_text="the control changes it explains"
    )
    origin = models.CharField(max_length=8, choices=EventOrigin.choices, default=EventOrigin.EDITOR)
    external_id = models.CharField(max_length=100, blank=True, help_text="the id the dataset gave it")
    review_state = models.CharField(max_length=12, choices=EventState.choices, default=EventState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["date", "id"]
        permissions = [("publish_event", "Can publish or unpublish an event")]
        constraints = [
            # Re-importing a dataset updates its events by id instead of adding them again.
            models.UniqueConstraint(
                fields=["map", "origin", "external_id"],
                condition=~Q(external_id=""),
                name="event_one_per_external_id",
            ),
            models.CheckConstraint(
                condition=Q(date_end__isnull=True) | Q(date_end__gte=F("date")), name="event_date_end_not_before"
            ),
            models.CheckConstraint(
                condition=Q(fatalities_low__isnull=True)
                | Q(fatalities_best__isnull=True)
                | Q(fatalities_low__lte=F("fatalities_best")),
                name="event_fatalities_low_not_above_best",
            ),
            models.CheckConstraint(
                condition=Q(fatalities_high__isnull=True)
                | Q(fatalities_best__isnull=True)
                | Q(fatalities_high__gte=F("fatalities_best")),
                name="event_fatalities_high_not_below_best",
            ),
        ]
        indexes = [
            # events_geojson(): a map's published events in a date window (the viewer asks for a week or a month).
            models.Index(fields=["map", "review_state", "date"], name="event_map_state_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.event_type}" + (f" ({self.location_name})" if self.location_name else "")
