"""Background tasks run supervised: one that crashes is started again, one that ends is done,
and stopping cancels what still runs."""

from __future__ import annotations

import asyncio

from omni_kit.app import BackgroundTasks


async def test_a_crashed_task_starts_again_and_stop_cancels_the_rest(monkeypatch):
    monkeypatch.setattr(asyncio, "sleep", _no_pause(asyncio.sleep))
    runs: list[str] = []
    forever = asyncio.Event()

    async def flaky() -> None:
        runs.append("flaky")
        if runs.count("flaky") < 3:
            raise RuntimeError("boom")

    async def waits() -> None:
        runs.append("waits")
        await forever.wait()

    tasks = BackgroundTasks()
    tasks.add("flaky", flaky)
    tasks.add("waits", waits)
    tasks.start()
    for _ in range(100):
        if runs.count("flaky") == 3:
            break
        await asyncio.sleep(0)
    await tasks.stop(timeout=1)

    assert runs.count("flaky") == 3  # two crashes, then it ended on its own
    assert runs.count("waits") == 1
    assert not forever.is_set()


def _no_pause(sleep):  # the supervisor's pause after a crash, made instant
    async def instant(delay: float, *args: object) -> object:
        return await sleep(0, *args)

    return instant
