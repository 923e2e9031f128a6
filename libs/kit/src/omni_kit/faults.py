"""Fault injection for crash tests: a process dies at a named step as if its machine lost power.

`OMNI_<SERVICE>_FAULT_EXIT_AT` names the step and `OMNI_<SERVICE>_FAULT_EXIT_AFTER` the time it
is reached that kills (1: the first), so some work is done before. The kill is SIGKILL from the
process to itself: no handler runs, nothing is flushed or closed. Off by default; a production
environment refuses the setting (omni_kit.settings).
"""

from __future__ import annotations

import os
import signal

# Every step a service reaches; the setting must name one of them.
STEPS = (
    # PlaceOrder's transaction (order, cart checkout, order.placed, key record) has committed;
    # its saga has not started.
    "order.after_order_insert",
    # The saga's reserve step is saved; payment is next.
    "order.after_reservation",
    # The payment provider approved; the saga has not saved that yet.
    "order.after_payment_authorization",
    # ReserveStock's transaction (cart hold or order reservation) has committed; no answer yet.
    "inventory.after_reservation",
    # The customer's order-event consumer committed its effect with the inbox record; no ack yet.
    "customer.after_timeline_entry",
    # Any service's outbox relay has read pending events and published none of them yet.
    "outbox.before_publish",
    # Any service's outbox relay has published an event; it is not marked sent yet.
    "outbox.after_publish",
)

_step = ""
_after = 1
_reached = 0


def configure(step: str, after: int = 1) -> None:
    """Arm one step for this process ("" disarms); called once at start from the settings."""
    global _step, _after, _reached
    if step and step not in STEPS:
        raise ValueError(f"unknown fault step {step!r}; known: {', '.join(STEPS)}")
    _step, _after, _reached = step, max(1, after), 0


def reach(step: str) -> None:
    """The process is at `step`: die here if it is the armed step and its turn has come."""
    global _reached
    if step != _step:
        return
    _reached += 1
    if _reached >= _after:
        # A raw write, not a logger: nothing buffered is flushed on the way out.
        os.write(2, f"fault injection: killed at {step} (reached {_reached} times)\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
