"""The document lifecycle as an explicit state machine."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    AWAITING_ANSWERS = "awaiting_answers"  # an audit waits for the supervisee's answers online
    PREPARING = "preparing"  # a version is being rendered and converted
    AWAITING_AGREEMENT = "awaiting_agreement"  # links sent, not every party has agreed
    CHANGES_REQUESTED = "changes_requested"  # a party asked for changes; the author revises
    AGREED = "agreed"  # every party agreed; the seal job is running
    SEALED = "sealed"
    SUPERSEDED = "superseded"  # a sealed contract replaced by its sealed annual reissue
    ISSUED = "issued"  # a document needing no agreement (an agenda) was sent out
    CANCELLED = "cancelled"
    DESTROYED = "destroyed"  # past the trust's retention: files and personal details removed


TRANSITIONS: dict[State, frozenset[State]] = {
    State.AWAITING_ANSWERS: frozenset({State.PREPARING, State.CANCELLED}),
    State.PREPARING: frozenset({State.AWAITING_AGREEMENT, State.ISSUED, State.CANCELLED}),
    State.AWAITING_AGREEMENT: frozenset(
        {State.AGREED, State.CHANGES_REQUESTED, State.PREPARING, State.CANCELLED}
    ),
    State.CHANGES_REQUESTED: frozenset({State.PREPARING, State.CANCELLED}),
    State.AGREED: frozenset({State.SEALED}),
    State.SEALED: frozenset({State.SUPERSEDED, State.DESTROYED}),
    State.SUPERSEDED: frozenset({State.DESTROYED}),
    State.ISSUED: frozenset({State.DESTROYED}),
    State.CANCELLED: frozenset({State.DESTROYED}),
    State.DESTROYED: frozenset(),
}
# A document in one of these states is finished: retention may count from it and destroy it.
FINISHED = frozenset({State.SEALED, State.SUPERSEDED, State.ISSUED, State.CANCELLED})


class InvalidTransition(Exception):
    """A document cannot move from its state to the one asked for."""

    def __init__(self, current: State, target: State):
        super().__init__(f"a document that is {current.value} cannot become {target.value}")
        self.current = current
        self.target = target


def check_transition(current: State, target: State) -> None:
    """Raise InvalidTransition unless current may move to target."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current, target)
