"""The POS API the store's tills use (/pos/v1)."""

from omni_store_node.api.shifts import ShiftController
from omni_store_node.api.tills import TillController, problem_handlers

__all__ = ["ShiftController", "TillController", "problem_handlers"]
