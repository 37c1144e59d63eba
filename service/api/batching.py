"""Concurrent single-claim checks coalesced into one batched pipeline run (dynamic batching).

The stance model costs about the same per pair batched or not, but the embedding, the retrieval
and Python's per-call overhead are paid once per batch, and one batch keeps both cores busy with
one model call instead of two threads contending for them. While a batch runs, new requests wait
in the queue; when it ends, everything waiting goes into the next one. So under load batches grow
by themselves, and a lone request waits only ``window_ms`` for company.

Each claim's result is the one it gets alone (``ClaimChecker.verify_batch`` guarantees it); its
``took_ms`` and stage timings are its batch's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.concurrency import run_in_threadpool

from service.claim_checker import ClaimChecker, validate_claim, validate_language, validate_top_k
from service.schemas import VerifyResponse

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    lookup: ClaimChecker
    claim: str
    top_k: int
    language: str | None
    future: asyncio.Future = field(repr=False)

    @property
    def key(self) -> tuple:
        # one batch runs on one index version with one top_k and one language hint
        return (id(self.lookup), self.top_k, self.language)


class ClaimBatcher:
    """One per process: a queue and one task that runs its batches one after the other."""

    def __init__(
        self, window_ms: float, max_claims: int, on_run: Callable[[dict[str, float]], None] | None = None
    ) -> None:
        self.window = window_ms / 1000
        self.max_claims = max_claims
        # called with the stage timings of every pipeline run (once per batch, not once per claim)
        self.on_run = on_run or (lambda timings: None)
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task | None = None
        self.batches = 0  # how many pipeline runs; claims / batches is the mean batch size
        self.claims = 0

    @property
    def enabled(self) -> bool:
        return self.window > 0

    async def verify(self, lookup: ClaimChecker, claim: object, top_k: int | None, language: object) -> VerifyResponse:
        if not self.enabled:
            result = await run_in_threadpool(lookup.verify, claim, top_k, language)
            self.on_run(result.timings_ms)
            return result
        # checked here, not in the batch: one bad claim must not fail the others' requests
        item = _Pending(
            lookup,
            validate_claim(claim, lookup.settings),
            validate_top_k(top_k, lookup.settings),
            validate_language(language),
            asyncio.get_running_loop().create_future(),
        )
        self._start()
        assert self._queue is not None
        await self._queue.put(item)
        return await item.future

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._queue = self._queue or asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="claim-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            items = [await self._queue.get()]
            deadline = loop.time() + self.window
            while len(items) < self.max_claims:
                try:
                    if not self._queue.empty():
                        items.append(self._queue.get_nowait())
                        continue
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    items.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            groups: dict[tuple, list[_Pending]] = {}
            for item in items:
                groups.setdefault(item.key, []).append(item)
            for group in groups.values():
                await self._check(group)

    async def _check(self, group: list[_Pending]) -> None:
        live = [item for item in group if not item.future.done()]  # a client that went away is not checked
        if not live:
            return
        first = live[0]
        try:
            batch = await run_in_threadpool(
                first.lookup.verify_batch,
                [item.claim for item in live],
                first.top_k,
                first.language,
                ["claim"] * len(live),
            )
        except Exception as exc:  # the same error for every request of the batch, in the error shape
            for item in live:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        self.batches += 1
        self.claims += len(live)
        self.on_run(batch.timings_ms)
        for item, result in zip(live, batch.results, strict=True):
            result.timings_ms = batch.timings_ms
            if not item.future.done():
                item.future.set_result(result)
