"""Label keys shown through a prefix in pages, e.g. _("proposal." ~ p.status); listed so
the catalog extraction finds them."""

from gridcare.core.i18n import N_

LABELS = [
    N_("proposal.draft"),
    N_("proposal.scheduled"),
    N_("proposal.adopted"),
    N_("proposal.discarded"),
    N_("barrier.river"),
    N_("barrier.road"),
    N_("barrier.dma"),
    N_("barrier.feeder"),
    N_("barrier.other"),
    N_("rehome.keep"),
    N_("rehome.follow"),
    N_("score.grids"),
    N_("score.max_over_mean"),
    N_("score.min_over_mean"),
    N_("score.gini"),
    N_("score.contiguous"),
    N_("score.compactness"),
    N_("score.radius_km"),
    N_("score.max_radius_km"),
    N_("score.customers_moved"),
    N_("score.customers_moved_share"),
]
