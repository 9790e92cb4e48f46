"""Writes to the map's record. The admin, the API, management commands and tests all call these.

Every function is keyword-only, validates its input, and saves inside one transaction. Control periods are
derived here and only here (periods.control_periods_rebuild), in the same transaction as the change that alters
them. One module per entity; this package re-exports their public names, so `services.control_change_record(...)`
reads the same wherever it is called. Display words (word, local_name) are mapapp.display's.
"""

from mapapp.services.actors import actor_create, actor_set_allies, actors_ensure
from mapapp.services.changes import (
    PublishedChange,
    alters_nothing_message,
    control_change_publish,
    control_change_record,
    control_change_reject,
    control_change_restore,
    control_change_set_ground,
    control_change_update,
    control_change_validate,
    control_change_withdraw,
    control_changes_bulk_publish,
    ground_clean,
)
from mapapp.services.events import (
    change_events_link,
    event_changes_link,
    event_create,
    event_set_review_state,
    event_update,
    event_validate,
    events_import,
    events_import_text,
)
from mapapp.services.fronts import map_derived_rebuild
from mapapp.services.jobs import (
    JobCancelled,
    JobError,
    job_cancel,
    job_fail,
    job_finish,
    job_progress,
    job_start,
    job_status,
)
from mapapp.services.maps import (
    map_area_zone,
    map_create,
    map_create_over,
    map_set_zones,
    map_zones_import,
    maps_refresh_geometry,
    zone_edges_rebuild,
)
from mapapp.services.parts import zones_coarsen, zones_split
from mapapp.services.periods import control_periods_rebuild
from mapapp.services.sieges import siege_record, siege_set_review_state, siege_update, siege_validate, supply_problem
from mapapp.services.sources import source_create, source_get_or_create, source_update
from mapapp.services.tokens import TokenRefused, api_token_create, api_token_revoke, api_token_user

__all__ = [
    "JobCancelled",
    "JobError",
    "job_cancel",
    "job_fail",
    "job_finish",
    "job_progress",
    "job_start",
    "job_status",
    "map_create",
    "map_set_zones",
    "map_create_over",
    "map_area_zone",
    "map_zones_import",
    "zone_edges_rebuild",
    "maps_refresh_geometry",
    "actor_create",
    "actor_set_allies",
    "actors_ensure",
    "source_create",
    "source_get_or_create",
    "source_update",
    "control_change_validate",
    "alters_nothing_message",
    "control_change_record",
    "control_changes_bulk_publish",
    "PublishedChange",
    "control_change_update",
    "control_change_publish",
    "control_change_reject",
    "control_change_set_ground",
    "control_change_withdraw",
    "control_change_restore",
    "control_periods_rebuild",
    "map_derived_rebuild",
    "ground_clean",
    "zones_split",
    "zones_coarsen",
    "supply_problem",
    "siege_validate",
    "siege_record",
    "siege_update",
    "siege_set_review_state",
    "event_validate",
    "change_events_link",
    "event_changes_link",
    "event_create",
    "event_update",
    "event_set_review_state",
    "events_import",
    "events_import_text",
    "api_token_create",
    "api_token_revoke",
    "api_token_user",
    "TokenRefused",
]
