"""The POS API the store's tills use (/pos/v1)."""

from omni_store_node.api.tills import TillController, problem_handlers

__all__ = ["TillController", "problem_handlers"]
