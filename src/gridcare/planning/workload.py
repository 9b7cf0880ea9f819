"""The workload model: a unit's measures as rep-hours per month. Pure.

Hours per order are by category (a repair means a visit, a consultation mostly a call);
standing work grows with customers, meters and the length of line or pipe a rep patrols.
The defaults follow the demo history's mix (repairs and service requests carry most of
the rep's field time); every weight can be set per proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_

CATEGORIES = ("consultation", "repair", "complaint", "reconnection", "service_request", "suggestion", "praise")

DEFAULT_ORDER_HOURS: dict[str, float] = {
    "consultation": 0.25,
    "repair": 1.5,
    "complaint": 2.0,
    "reconnection": 0.75,
    "service_request": 1.0,
    "suggestion": 0.5,
    "praise": 0.1,
}


@dataclass(frozen=True)
class Weights:
    order_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ORDER_HOURS))
    customer_hours: float = 0.02  # per customer per month: visits, notices, meter issues
    meter_hours: float = 0.005  # per meter per month: reading checks, replacements
    km_hours: float = 0.8  # per km of line or pipe per month: patrols

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def weights_from(data: Mapping[str, Any] | None) -> Weights:
    """Weights from a form or JSON body; anything not given keeps its default."""
    if not data:
        return Weights()
    hours = dict(DEFAULT_ORDER_HOURS)
    for category, value in dict(data.get("order_hours") or {}).items():
        if category not in CATEGORIES:
            raise InvalidInput.field(f"weights.order_hours.{category}", T_("unknown category; use one of %(choices)s", choices=", ".join(CATEGORIES)))
        hours[category] = _hours(f"weights.order_hours.{category}", value)
    return Weights(
        order_hours=hours,
        customer_hours=_hours("weights.customer_hours", data.get("customer_hours", Weights.customer_hours)),
        meter_hours=_hours("weights.meter_hours", data.get("meter_hours", Weights.meter_hours)),
        km_hours=_hours("weights.km_hours", data.get("km_hours", Weights.km_hours)),
    )


def _hours(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(name, T_("must be a number of hours")) from None
    if not (0 <= number < 1000):
        raise InvalidInput.field(name, T_("must be between %(low)s and %(high)s hours", low=0, high=1000))
    return number


def monthly_hours(*, orders: Mapping[str, float], months: float, customers: float, meters: float, line_km: float, weights: Weights, growth: float = 1.0) -> float:
    """Rep-hours per month of one unit. ``orders`` counts orders by category over ``months``;
    ``growth`` scales them (the forecast's next year against the history)."""
    per_month = sum(weights.order_hours.get(c, 0.0) * n for c, n in orders.items()) / max(months, 1.0)
    standing = customers * weights.customer_hours + meters * weights.meter_hours + line_km * weights.km_hours
    return per_month * growth + standing
