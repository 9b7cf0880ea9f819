"""Who gets a new order, and why. Pure: the duty facts come in as arguments."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DispatchChoice:
    handler_id: int | None
    reason: str  # recorded on the order: every dispatch says why


def choose_handler(
    *,
    grid_code: str | None,
    rep_id: int | None,
    backup_id: int | None,
    off_duty: frozenset[int],
    first_contact_rep: int | None = None,
    department: tuple[str, int | None] | None = None,
) -> DispatchChoice:
    """首问负责: a rep who registers an order on site follows it. A category routed to a
    department goes to its member on duty (``department``: its name and that member, None
    when nobody is). Otherwise the grid's rep, or the backup when the rep is off duty; with
    neither, the command-center queue."""
    if first_contact_rep is not None:
        return DispatchChoice(first_contact_rep, "first contact: the registering rep follows the order")
    if department is not None:
        name, member = department
        if member is not None:
            return DispatchChoice(member, f"category routed to department {name}")
        return DispatchChoice(None, f"department {name} has nobody on duty: command-center queue")
    if grid_code is None:
        return DispatchChoice(None, "no grid found: command-center queue")
    if rep_id is not None and rep_id not in off_duty:
        return DispatchChoice(rep_id, f"rep of grid {grid_code}")
    if backup_id is not None and backup_id not in off_duty:
        why = "rep off duty" if rep_id is not None else "grid has no rep"
        return DispatchChoice(backup_id, f"backup of grid {grid_code} ({why})")
    if rep_id is None and backup_id is None:
        return DispatchChoice(None, f"grid {grid_code} has no rep: command-center queue")
    return DispatchChoice(None, f"grid {grid_code}: rep and backup off duty: command-center queue")
