"""The map's record: actors, sources, control changes (the record), control periods (derived from it),
sieges and maps. Writes go through mapapp.services; nothing else saves these."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import utils as history_utils
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_m2m_records, pre_create_historical_m2m_records

from gazetteer.models import Place
from mapapp.framing import validate_frame_ancestors


class LinkHistoricalRecords(HistoricalRecords):
    """HistoricalRecords whose snapshot of a record's many-to-many links is written from the links' ids.
    The library loads every linked row whole (select_related) to copy two ids: a change covering a thousand
    parts loaded a thousand footprints on each save and each link added, a sixth of an import's time
    (bench/bench_precision.py). The rows written are the same."""

    def create_historical_record_m2ms(self, history_instance, instance):
        for field in history_instance._history_m2m_fields:
            m2m_history_model = self.m2m_models[field]
            through_model = getattr(history_instance.instance, field.name).through
            attnames = [through_field.attname for through_field in through_model._meta.fields]
            links = through_model.objects.filter(**{history_utils.get_m2m_field_name(field): instance})
            rows = [
                m2m_history_model(history=history_instance, **dict(zip(attnames, values, strict=True)))
                for values in links.values_list(*attnames)
            ]
            signal = {"history_instance": history_instance, "instance": instance, "field": field}
            pre_create_historical_m2m_records.send(sender=m2m_history_model, rows=rows, **signal)
            created = m2m_history_model.objects.bulk_create(rows, batch_size=2000)
            post_create_historical_m2m_records.send(sender=m2m_history_model, created_rows=created, **signal)


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    APPROX = "approx", "approximate"
    # A starting state: the ground was so before this date, since when is not known (the baseline of an import).
    BEFORE = "before", "before"


class ReviewState(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrawn"


class ControlStatus(models.TextChoices):
    HELD = "held", "held"
    CONTESTED = "contested", "contested"


class Confidence(models.TextChoices):
    HIGH = "high", "high"
    MEDIUM = "medium", "medium"
    LOW = "low", "low"


class Actor(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name_en = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200, blank=True)
    color = models.CharField(max_length=7, help_text="#rrggbb")
    # Sides that fight together; a pocket enclosed by allies is not enclosed by hostile ground.
    allies = models.ManyToManyField("self", blank=True, symmetrical=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["sort_order", "slug"]

    def __str__(self) -> str:
        return self.name_en


class Source(models.Model):
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=300, blank=True)
    published = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class MapQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class Map(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title_en = models.CharField(max_length=300)
    title_ar = models.CharField(max_length=300, blank=True)
    description_en = models.TextField(blank=True)
    description_ar = models.TextField(blank=True)
    # The union of the map's zones, kept by mapapp.services.map_set_zones; gives the bbox without a query.
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    start = models.DateField()
    end = models.DateField()
    default_date = models.DateField()
    actors = models.ManyToManyField(Actor, related_name="maps", blank=True)
    places = models.ManyToManyField(Place, related_name="maps", blank=True, help_text="the map's zones")
    # Space-separated origins allowed to frame the embed (CSP frame-ancestors); empty means any site.
    frame_ancestors = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    # A change's ground (a drawn or imported boundary) snaps to the zones' edges and vertices within this many
    # metres, and no part smaller than min_part_m2 is made: redrawing the same line tomorrow makes no slivers.
    snap_tolerance_m = models.FloatField(default=10.0)
    min_part_m2 = models.FloatField(default=10_000.0)
    # Bumped by every service that changes what the map shows; part of cache keys and ETags.
    data_version = models.PositiveIntegerField(default=1)
    credit = models.TextField(blank=True)
    # A published change reaches the public this many hours after publishing (feeds and the corrections log
    # too): monitors that hold back positions for their own side's safety. Reviewers see it at once.
    publish_delay_hours = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MapQuerySet.as_manager()

    class Meta:
        verbose_name = _("map")
        verbose_name_plural = _("maps")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="map_start_not_after_end"),
            models.CheckConstraint(
                condition=Q(default_date__gte=F("start")) & Q(default_date__lte=F("end")),
                name="map_default_date_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title_en

    def clean(self):
        validate_frame_ancestors(self.frame_ancestors)


class ControlChangeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review_state=ReviewState.PUBLISHED)


class ControlChange(models.Model):
    """On `date`, `places` came under `actor` (status held) or became contested with `actor` in them.

    In effect from `date` on, inclusive. This is the record; ControlPeriod is derived from the published ones.
    A change may carry `geometry` (on `map`): the ground itself. Publishing it splits the map's zones that the
    boundary crosses into parts (mapapp.services.parts) and the change then covers the parts inside it.
    """

    date = models.DateField()
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    places = models.ManyToManyField(Place, related_name="control_changes", blank=True)
    # The ground that came under the actor, on the zones of `map` (both null for a change of whole places).
    map = models.ForeignKey("Map", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    geometry = models.MultiPolygonField(srid=4326, null=True, blank=True)
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="control_changes")
    status = models.CharField(max_length=12, choices=ControlStatus.choices, default=ControlStatus.HELD)
    confidence = models.CharField(max_length=8, choices=Confidence.choices, default=Confidence.MEDIUM)
    title = models.CharField(max_length=300, blank=True, help_text="a one-line headline for the timeline")
    note = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, related_name="control_changes")
    review_state = models.CharField(max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT)
    review_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = LinkHistoricalRecords(m2m_fields=[places, sources])
    objects = ControlChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("control change")
        verbose_name_plural = _("control changes")
        ordering = ["date", "id"]
        # Reviewers' actions (mapapp.roles gives them to the Reviewers group); editors only add and change drafts.
        permissions = [
            ("publish_controlchange", "Can publish a control change"),
            ("reject_controlchange", "Can reject a draft control change"),
            ("withdraw_controlchange", "Can withdraw a control change"),
            ("restore_controlchange", "Can restore an earlier version of a control change"),
        ]
        indexes = [
            # changes_between() and timeline(): published changes of a map by date.
            models.Index(fields=["review_state", "date"], name="change_state_date_idx"),
        ]

    def __str__(self) -> str:
        # Headings and breadcrumbs in the admin (the history page) show this: the side by name, not its id.
        return f"{self.date} {self.actor} ({self.get_status_display()})"


class ControlPeriodQuerySet(models.QuerySet):
    def in_effect(self, on):
        """Periods in effect on date `on`: valid_from <= on < valid_to (valid_to null means still open)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)


class ControlPeriod(models.Model):
    """Derived: `place` was under `actor` with `status` during [valid_from, valid_to). Never edited by hand:
    mapapp.services.control_periods_rebuild() writes these from the published changes."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="control_periods")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ControlStatus.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    # Start of the unbroken run of periods with the same actor and status (what "since" means to a reader).
    held_since = models.DateField()
    # The run starts with a "before" change: held since some time before held_since, not since it.
    since_before = models.BooleanField(default=False)
    change = models.ForeignKey(ControlChange, on_delete=models.CASCADE, related_name="periods")

    objects = ControlPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("control period")
        verbose_name_plural = _("control periods")
        ordering = ["place_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="period_from_before_to",
            ),
            models.CheckConstraint(condition=Q(held_since__lte=F("valid_from")), name="period_since_not_after"),
            models.UniqueConstraint(fields=["place", "valid_from"], name="period_one_start_per_place"),
        ]
        indexes = [
            # zones_at() and the history export: the period of each place in effect on a date.
            models.Index(fields=["valid_from", "valid_to"], name="period_interval_idx"),
        ]


class SiegeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review_state=ReviewState.PUBLISHED)

    def in_effect(self, on):
        """Sieges in effect on `on`: start <= on < end (end null means not yet lifted)."""
        return self.filter(Q(end__isnull=True) | Q(end__gt=on), start__lte=on)


class Siege(models.Model):
    """`besieging_actors` cut off `besieged_actor`'s ground in `places` during [start, end).

    A place is besieged on D when the siege is in effect, the place's own `until` (if any) is after D, and the
    besieged actor holds or contests the place on D.
    """

    slug = models.SlugField(max_length=120, unique=True)
    name_en = models.CharField(max_length=300)
    name_ar = models.CharField(max_length=300, blank=True)
    besieged_actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="sieges_suffered")
    besieging_actors = models.ManyToManyField(Actor, related_name="sieges_laid")
    start = models.DateField()
    start_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)
    end = models.DateField(null=True, blank=True, help_text="first day the siege no longer holds")
    places = models.ManyToManyField(Place, through="SiegePlace", related_name="sieges")
    sources = models.ManyToManyField(Source, related_name="sieges")
    note = models.TextField(blank=True)
    review_state = models.CharField(max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = LinkHistoricalRecords(m2m_fields=[besieging_actors, sources])
    objects = SiegeQuerySet.as_manager()

    class Meta:
        verbose_name = _("siege")
        verbose_name_plural = _("sieges")
        ordering = ["start", "slug"]
        permissions = [("publish_siege", "Can publish or withdraw a siege")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="siege_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return self.name_en


class SiegePlace(models.Model):
    siege = models.ForeignKey(Siege, on_delete=models.CASCADE, related_name="siege_places")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="siege_places")
    # First day this place is no longer besieged, where it was relieved before the siege as a whole ended.
    until = models.DateField(null=True, blank=True)

    # Versioned row by row like the supplies, so that `as_of` (mapapp.asof) shows a siege's places, and the day each
    # was relieved, as once published.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("siege place")
        verbose_name_plural = _("siege places")
        constraints = [models.UniqueConstraint(fields=["siege", "place"], name="siegeplace_unique")]


class SupplyMethod(models.TextChoices):
    AIR_BRIDGE = "air_bridge", "air bridge"
    AIRDROP = "airdrop", "airdrops"
    LAND = "land", "land"


class SiegeSupply(models.Model):
    """How the besieged ground was supplied during [start, end)."""

    siege = models.ForeignKey(Siege, on_delete=models.CASCADE, related_name="supplies")
    method = models.CharField(max_length=12, choices=SupplyMethod.choices)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    # Versioned like the siege, so that `as_of` (mapapp.asof) can tell how the ground was supplied as once published.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("siege supply")
        verbose_name_plural = _("siege supplies")
        ordering = ["start", "method"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="supply_start_before_end"
            ),
        ]


class ZoneEdge(models.Model):
    """The boundary two zones of a map share (place_b null: the zone's part of the map's outer edge).

    Derived from footprints by mapapp.services; front lines are a filter over these instead of a union.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="edges")
    place_a = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    place_b = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    geom = models.MultiLineStringField(srid=4326)
    length_km = models.FloatField()

    class Meta:
        verbose_name = _("zone edge")
        verbose_name_plural = _("zone edges")
        constraints = [
            models.UniqueConstraint(fields=["map", "place_a", "place_b"], name="edge_unique_pair"),
            models.CheckConstraint(
                condition=Q(place_b__isnull=True) | Q(place_a__lt=F("place_b")), name="edge_pair_ordered"
            ),
        ]


class FrontSegment(models.Model):
    """Derived: shared edge `edge` of `map` was a front during [valid_from, valid_to): its place_a side under
    `actor_a` with `status_a`, its place_b side under `actor_b` (a different actor) with `status_b`.

    Written only by mapapp.services.fronts (front_segments_rebuild), in the transaction that changes the control
    periods or the edges it is derived from; fronts on a date are then an indexed range lookup (docs/contract.md,
    "Derived tables"). Adjacent intervals with the same actors and statuses are one row.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    edge = models.ForeignKey(ZoneEdge, on_delete=models.CASCADE, related_name="front_segments")
    actor_a = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    status_a = models.CharField(max_length=12, choices=ControlStatus.choices)
    actor_b = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    status_b = models.CharField(max_length=12, choices=ControlStatus.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    # A copy of the edge's line, so that fronts on a date read only the segments in effect (an index range lookup)
    # and not, joined, the map's edges too (150,000 at 50,000 zones). Edges are never changed in place: new edges
    # come with new segments (derived_after_edges), so the copy cannot go stale.
    geom = models.MultiLineStringField(srid=4326, spatial_index=False)  # read by date, never by place

    class Meta:
        verbose_name = _("front segment")
        verbose_name_plural = _("front segments")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="front_from_before_to"
            ),
            models.UniqueConstraint(fields=["edge", "valid_from"], name="front_one_start_per_edge"),
        ]
        indexes = [
            # fronts on a date on SQLite: the map's segments in effect (valid_from <= D < valid_to). On PostgreSQL
            # the GiST index on daterange(valid_from, valid_to) of migration 0013 answers it instead.
            models.Index(fields=["map", "valid_from", "valid_to"], name="front_map_interval_idx"),
        ]


class PocketPiece(models.Model):
    """Derived: during [valid_from, valid_to), the zones `place_ids` (sorted) were one connected piece of `actor`'s
    ground on `map` (held or contested, linked by shared edges), none of them gaining or losing a neighbour of
    another side, and the actors on its border were `border_actor_ids` (sorted; `border_unknown`: a zone of unknown
    control borders it too). What does not depend on the day is kept with it: the area in whole m², whether it
    touches the map's outer edge, and the GeoJSON of the union of its zones as the pockets answer writes it.

    Written only by mapapp.services.fronts (pocket_pieces_rebuild) with the control periods and edges; pockets on
    a date read these (enclosure and the largest piece judged on the day, with the allies and sieges of then).
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    place_ids = models.JSONField()
    # sha1 of place_ids: pieces of the same zones (at other dates) share their geometry when rederived.
    places_key = models.CharField(max_length=40)
    area_m2 = models.BigIntegerField()
    on_outer_edge = models.BooleanField()
    border_actor_ids = models.JSONField()
    border_unknown = models.BooleanField()
    geojson = models.TextField()

    class Meta:
        verbose_name = _("pocket piece")
        verbose_name_plural = _("pocket pieces")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="pocket_from_before_to"
            ),
        ]
        indexes = [
            models.Index(fields=["map", "valid_from", "valid_to"], name="pocket_map_interval_idx"),
            models.Index(fields=["map", "places_key"], name="pocket_map_places_idx"),
        ]


class PocketBacklog(models.Model):
    """The days [valid_from, valid_to) (None: unbounded) of `map` whose pocket pieces wait to be derived again: a
    change whose window spans many dates (a back-dated change of a zone that changes hands rarely, new edges) is
    derived by the worker after its commit, not in the editor's request. Pockets on such a day are worked out
    from the periods meanwhile (mapapp.analytics.pockets_geojson), so no answer says what the record does not."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("pocket backlog")
        verbose_name_plural = _("pocket backlogs")


class ApiToken(models.Model):
    """A token for scripts using the write API. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set from settings.API_TOKEN_DAYS when made; a token past it is refused (401) and listed as expired.
    expires_at = models.DateTimeField(null=True, blank=True)
    # Revoked tokens are kept (who had one, for what, until when), and refused.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    def state(self, now=None) -> str:
        """ "revoked", "expired" or "active" at `now` (default: this moment)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class JobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class Job(models.Model):
    """A piece of work run by the worker process (`manage.py db_worker`), not in a web request: an import, a
    film. Written only through mapapp.services.jobs (job_start, job_progress, job_finish, job_fail, job_cancel);
    docs/architecture.md ("Background jobs") describes the life of one."""

    kind = models.CharField(max_length=40)  # a key of mapapp.services.jobs.JOB_KINDS
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True)  # what the runner is asked (plain JSON values)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)  # 0: not known yet
    message = models.CharField(max_length=200, blank=True)  # what the job is doing now, one short line
    # Set by job_cancel; the running job reads it between steps (job_progress) and stops, rolling back.
    cancel_requested = models.BooleanField(default=False)
    report = models.JSONField(null=True, blank=True)  # what the job did: {"summary": str, "lines": [str], ...}
    error = models.TextField(blank=True)  # why it failed, for the person who started it (no server paths)
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result that runs it
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


# Events live in their own module (mapapp/events/); imported here so Django registers them with the app.
from mapapp.events.models import Event  # noqa: E402, F401
