"""The served index, swapped for a new version without a restart and without failing a request.

A request takes ``app.state.lookup`` once (its dependency) and keeps that object to the end, so
replacing the attribute in one assignment sends new requests to the new version while requests in
flight finish on the old one; Python frees the old version when the last of them lets go.
"""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from service.claim_checker import ClaimChecker, StoreLoader
from service.document_store import current_version
from service.errors import describe
from service.settings import Settings
from service.verify.pipeline import EmbedderFactory

log = logging.getLogger(__name__)


class IndexSwapper:
    """Loads the index at start-up, and again whenever CURRENT names another version."""

    def __init__(
        self,
        app: FastAPI,
        settings: Settings,
        store_loader: StoreLoader | None = None,
        embedder_factory: EmbedderFactory | None = None,
    ) -> None:
        self.app, self.settings = app, settings
        self.store_loader = store_loader  # None: the local load
        self.embedder_factory = embedder_factory  # None: the local model
        self._mutex = threading.Lock()
        self._tried: str | None = None  # the CURRENT value last loaded (or last failed: no retry every tick)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> ClaimChecker:
        """Load what CURRENT names (or the last good version) and serve it.

        :raises Exception: the load error; the lookup served so far stays (or none, with the reason).
        """
        with self._mutex:
            return self._load()

    def refresh(self) -> bool:
        """Swap to the version CURRENT names if it is not the one tried last; True when it swapped."""
        with self._mutex:
            if current_version(self.settings) == self._tried:
                return False
            self._load()
            return True

    def _load(self) -> ClaimChecker:
        try:
            # the pointer first (a database may be unreachable: then nothing counts as tried, the watch asks again)
            self._tried = current_version(self.settings)
            lookup = ClaimChecker.open(
                self.settings,
                store_loader=self.store_loader,
                embedder_factory=self.embedder_factory,
                stage=self._say,
            )
        except Exception as exc:
            if self.app.state.lookup is None:
                self.app.state.index_error = describe(exc).message
                self.app.state.index_refused = dict(getattr(exc, "refused_versions", {}))
            raise
        old = self.app.state.lookup
        self.app.state.lookup = lookup  # the swap: one assignment
        self.app.state.index_error, self.app.state.index_refused = None, {}
        if old is not None and old.version != lookup.version:
            log.warning("now serving index version %s (was %s)", lookup.version, old.version)
        return lookup

    def _say(self, stage: str) -> None:
        # only while nothing is served: a swap's stages are no reason to call the service unready
        if self.app.state.lookup is None:
            self.app.state.index_error = stage

    def load_then_watch(self, interval: float) -> None:
        """Load, then watch CURRENT: the service's start, run in the background so the port opens first."""
        try:
            lookup = self.load()
            log.info("index %s loaded from %s; ready", lookup.version or "", self.settings.index_dir)
        except Exception as exc:  # the service still runs, degraded, and says why
            log.error("no index loaded: %s", describe(exc).message)
        if not self._stop.is_set():
            self.watch(interval)

    def start(self, interval: float) -> None:
        """:meth:`load_then_watch` in a daemon thread; /readyz answers 503 with the stage until it is done."""
        threading.Thread(target=self.load_then_watch, args=(interval,), name="index-load", daemon=True).start()

    def watch(self, interval: float) -> None:
        """Check CURRENT every ``interval`` seconds in a daemon thread (builds by the CLI swap in too)."""
        if interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="index-watch", daemon=True)
        self._thread.start()

    def _watch(self, interval: float) -> None:
        said = None  # the last error logged: a database down for an hour is one line, not one per tick
        while not self._stop.wait(interval):
            try:
                self.refresh()
                said = None
            except Exception as exc:  # keep serving what we have; the next CURRENT change is tried again
                message = describe(exc).message
                if message != said:
                    log.error("could not swap to the new index version: %s", message)
                said = message

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
