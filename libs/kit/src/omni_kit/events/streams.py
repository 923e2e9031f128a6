"""How Omni's JetStream streams are configured, and how a start reconciles that with a stream an
operator may have changed: settings are a floor, never a ceiling.

A start adds missing subjects and raises replicas, retention and the duplicate window up to the
settings; anything an operator set higher (R3 over R1, a longer retention, limits Omni does not
set at all) is kept, with a warning when the settings ask for less.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from nats.js import api

from omni_kit.logs import get_logger

log = get_logger("omni.events")

DUPLICATE_WINDOW = 120.0
DAY = 24 * 3600.0
STREAM_MAX_AGE = 7 * DAY
DLQ_MAX_AGE = 30 * DAY

Storage = Literal["file", "memory"]


class StreamSettingsLike(Protocol):
    stream_replicas: int
    stream_storage: Storage
    event_retention_days: float
    dead_letter_retention_days: float


@dataclass(frozen=True)
class StreamPolicy:
    replicas: int = 1
    storage: Storage = "file"
    max_age: float = STREAM_MAX_AGE
    dead_letter_max_age: float = DLQ_MAX_AGE
    duplicate_window: float = DUPLICATE_WINDOW

    @classmethod
    def of(cls, settings: StreamSettingsLike) -> StreamPolicy:
        return cls(
            replicas=settings.stream_replicas,
            storage=settings.stream_storage,
            max_age=settings.event_retention_days * DAY,
            dead_letter_max_age=settings.dead_letter_retention_days * DAY,
        )

    def config(
        self, name: str, subjects: Sequence[str], *, max_age: float | None = None
    ) -> api.StreamConfig:
        return api.StreamConfig(
            name=name,
            subjects=list(subjects),
            storage=api.StorageType(self.storage),
            retention=api.RetentionPolicy.LIMITS,
            num_replicas=self.replicas,
            max_age=self.max_age if max_age is None else max_age,
            duplicate_window=self.duplicate_window,
        )


@dataclass(frozen=True)
class Kept:
    """A value the stream keeps although the settings ask for another."""

    setting: str
    wanted: Any
    kept: Any


def _unlimited_is_largest(seconds: float | None) -> float:
    return seconds or math.inf


def reconcile(
    existing: api.StreamConfig, wanted: api.StreamConfig
) -> tuple[api.StreamConfig | None, list[Kept]]:
    """The update to apply to `existing` (None when nothing needs changing) and what it keeps
    against the settings."""
    kept: list[Kept] = []
    subjects = list(existing.subjects or [])
    subjects += [s for s in wanted.subjects or [] if s not in subjects]
    changes: dict[str, Any] = {"subjects": subjects}

    replicas, wanted_replicas = existing.num_replicas or 1, wanted.num_replicas or 1
    changes["num_replicas"] = max(replicas, wanted_replicas)
    if replicas > wanted_replicas:
        kept.append(Kept("replicas", wanted_replicas, replicas))

    for field in ("max_age", "duplicate_window"):
        have, want = getattr(existing, field), getattr(wanted, field)
        if _unlimited_is_largest(have) < _unlimited_is_largest(want):
            changes[field] = want
        elif _unlimited_is_largest(have) > _unlimited_is_largest(want):
            kept.append(Kept(field, want, have or "unlimited"))

    if existing.storage != wanted.storage:
        # JetStream cannot change a stream's storage in place.
        kept.append(Kept("storage", _text(wanted.storage), _text(existing.storage)))

    updated = dataclasses.replace(existing, **changes)
    return (None if updated == existing else updated), kept


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def warn_kept(stream: str, kept: Sequence[Kept]) -> None:
    for item in kept:
        log.warning(
            "stream_setting_kept",
            stream=stream,
            setting=item.setting,
            wanted=item.wanted,
            kept=item.kept,
            why="a start never lowers what the stream has (docs/operations.md, Event streams)",
        )
