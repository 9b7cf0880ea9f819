"""The outage state machine as data: statuses with label and colour, commands, and which
command moves which status where. Pure: no database, no clock."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from gridcare.core.i18n import N_, T_, Label, Text


class Status(StrEnum):
    label: str  # English msgid, translated where shown
    colour: str
    open: bool  # customers are (or will be) without supply

    def __new__(cls, value: str, label: str, colour: str, open_: bool) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.colour, member.open = label, colour, open_
        return member

    PREDICTED = "predicted", "Predicted", "orange", True  # inferred from repair calls (研判)
    SCHEDULED = "scheduled", "Scheduled", "blue", True  # planned, not begun
    ACTIVE = "active", "Supply off", "red", True  # confirmed: supply is off
    RESTORED = "restored", "Restored", "green", False
    CANCELLED = "cancelled", "Cancelled", "gray", False


class Command(StrEnum):
    CONFIRM = "confirm"  # a predicted outage is real
    BEGIN = "begin"  # a planned outage starts
    RESTORE = "restore"  # supply is back everywhere
    CANCEL = "cancel"
    UPDATE = "update"  # ETA, cause, devices, times: the status stays


class Refused(ValueError):
    """The command does not apply in this status; the message says why."""


TRANSITIONS: dict[tuple[Status, Command], Status] = {
    (Status.PREDICTED, Command.CONFIRM): Status.ACTIVE,
    (Status.PREDICTED, Command.RESTORE): Status.RESTORED,  # fixed before anyone confirmed it
    (Status.PREDICTED, Command.CANCEL): Status.CANCELLED,  # the inference was wrong
    (Status.PREDICTED, Command.UPDATE): Status.PREDICTED,
    (Status.SCHEDULED, Command.BEGIN): Status.ACTIVE,
    (Status.SCHEDULED, Command.CONFIRM): Status.ACTIVE,
    (Status.SCHEDULED, Command.CANCEL): Status.CANCELLED,
    (Status.SCHEDULED, Command.UPDATE): Status.SCHEDULED,
    (Status.ACTIVE, Command.RESTORE): Status.RESTORED,
    (Status.ACTIVE, Command.UPDATE): Status.ACTIVE,
}


def initial(kind: str, *, predicted: bool = False) -> Status:
    if predicted:
        return Status.PREDICTED
    return Status.SCHEDULED if kind == "planned" else Status.ACTIVE


def next_status(status: Status | str, command: Command | str) -> Status:
    current, cmd = Status(status), Command(command)
    found = TRANSITIONS.get((current, cmd))
    if found is None:
        raise Refused(refusal(cmd, current))
    return found


# Commands inside messages are shown by these labels (the buttons say more, e.g. "Confirm and notify").
COMMAND_LABELS = {
    Command.CONFIRM: N_("outage.command.confirm"),
    Command.BEGIN: N_("outage.command.begin"),
    Command.RESTORE: N_("outage.command.restore"),
    Command.CANCEL: N_("outage.command.cancel"),
    Command.UPDATE: N_("outage.command.update"),
}


def status_label(status: Status | str) -> Label:
    current = Status(status)
    return Label("outage", current.value, msgid=current.label)


def refusal(command: Command | str, status: Status | str) -> Text:
    """Why ``command`` does not apply in ``status``; both are shown by their labels."""
    cmd = Command(command)
    return T_("cannot %(command)s an outage that is %(status)s", command=Label("outage", cmd.value, msgid=COMMAND_LABELS[cmd]), status=status_label(status))


def available(status: Status | str) -> list[Command]:
    current = Status(status)
    return [cmd for (s, cmd) in TRANSITIONS if s is current]


def restores_partly(status: Status | str) -> bool:
    """Devices may come back one at a time only while supply is actually off."""
    return Status(status) in (Status.ACTIVE, Status.PREDICTED)


OPEN = tuple(s.value for s in Status if s.open)

# Status labels are shown as _(label); listed here so extraction finds them.
LABELS = [N_("Predicted"), N_("Scheduled"), N_("Supply off"), N_("Restored"), N_("Cancelled")]
