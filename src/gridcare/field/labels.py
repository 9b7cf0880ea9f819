"""Keys the field pages build at run time ("kind." + asset kind …), listed here so the
message extractor finds them; each is translated in both catalogs."""

from __future__ import annotations

from gridcare.core.i18n import N_

KEYS = (
    N_("holidays.keep"), N_("holidays.skip"), N_("holidays.next_workday"),
    N_("kind.hydrant"), N_("kind.valve"), N_("kind.pipe"), N_("kind.line"), N_("kind.transformer"), N_("kind.place"),
    N_("basis.major"), N_("basis.protected"), N_("basis.supervised"), N_("basis.sensitive"),
    N_("basis.stakeholder:property_management"), N_("basis.stakeholder:residents_committee"), N_("basis.stakeholder:village_head"),
    N_("change.pending"), N_("change.approved"), N_("change.rejected"), N_("change.all"),
    N_("field.account"), N_("field.name"), N_("field.phone"), N_("field.address"), N_("field.description"), N_("field.households"),
    N_("satisfaction.1"), N_("satisfaction.2"), N_("satisfaction.3"), N_("satisfaction.4"), N_("satisfaction.5"),
    N_("patrol.open"), N_("patrol.done"),
    # Notify's log shows an event it has no label for by its name, through the catalogue.
    N_("field.patrol_overdue"), N_("field.visit_overdue"),
    N_("Every working day"), N_("Weekly on Monday"), N_("Monday and Thursday"), N_("Monthly on the 1st"), N_("First Monday of the month"),
)
