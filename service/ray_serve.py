"""``factcheck serve --ray ADDRESS|local``: the same FastAPI app as a Ray Serve ingress over a sharded index.

::

    Ingress (the app of service.api.app, one replica)   every route as on one machine
      -> Embedder "embedder"                            the embedding model, loaded once: the claims' vectors
      -> RemoteShardedStore                             the store the app's pipelines search
         -> ShardSearcher "shard-0" ... "shard-{n-1}"   one deployment per shard (replicas: throughput, failover)

The ingress fans a search out to every shard deployment at once (``asyncio.gather`` on the handles'
responses) and merges the top k exactly as :class:`index.sharded.ShardedDocumentStore` does: it *is*
one, whose shards are deployment handles. A non-sharded index is served as one shard.

The pipelines of the ingress embed through the ``Embedder`` deployment (remote components with the
interface of the local ones, see ``create_app(embedder_factory=...)``), which runs the very components
a single machine would: the vectors, and so the answers, are the same.

Every deployment asks ``replica_cpus`` CPUs (fractions are fine): by default 0.5, less when the
cluster has fewer CPUs than the deployments would ask, so that ``--ray local`` fits a small machine.

The served version is the one ``CURRENT`` names when the command starts; every deployment loads
that version's shard folder (same path on every node). A new version needs a restart.

Only this module imports ``ray.serve`` (the ``ray`` extra), and only inside functions.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from haystack import Document, component

from index import layout
from index.errors import IndexCorruptError, IndexNotFoundError
from index.manifest import MANIFEST, Manifest, file_sha256
from index.sharded import ShardedDocumentStore

SERVE_MISSING = "serving on Ray needs the ray extra with Ray Serve: pip install 'factcheck[ray]'"
APP_NAME = "factcheck"


def serve_available() -> bool:
    try:
        import ray.serve  # noqa: F401
    except ImportError:
        return False
    return True


# --- the version to serve ------------------------------------------------------------------


def served_version(index_dir: Path) -> tuple[str | None, Path, Manifest, list[Path]]:
    """(version id, its folder, its manifest, the shard folders) of what ``index_dir`` serves now."""
    index_dir = Path(index_dir)
    version = layout.read_current(index_dir) if layout.is_versioned(index_dir) else None
    folder = layout.version_dir(index_dir, version) if version else index_dir
    if not (folder / MANIFEST).is_file():
        raise IndexNotFoundError(
            f"no index at {folder} (build one with: factcheck index build --index-dir {index_dir})"
        )
    manifest = Manifest.read(folder)
    shards = [folder / name for name in manifest.shards] if manifest.shards else [folder]
    return version, folder, manifest, shards


# --- the ingress side: a sharded store whose shards are deployments --------------------------

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _fan_out_loop() -> asyncio.AbstractEventLoop:
    """One event loop thread per process that awaits the shards' responses together."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="shard-fan-out", daemon=True).start()
        return _loop


async def _gather(responses: list[Any]) -> list[Any]:
    return list(await asyncio.gather(*responses))


def gather(responses: list[Any]) -> list[Any]:
    """The results of deployment responses, awaited together (from any thread)."""
    return asyncio.run_coroutine_threadsafe(_gather(responses), _fan_out_loop()).result()


class _Deferred:
    """A shard whose method calls return the deployment's response instead of waiting for it."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._handle, name)
        return lambda *args, **kwargs: method.remote(*args, **kwargs)


class RemoteSources(Mapping[str, dict[str, Any]]):
    """One shard's source documents, asked of its deployment (the count comes from its manifest)."""

    def __init__(self, handle: Any, count: int) -> None:
        self._handle, self._count = handle, count

    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        found = self._handle.source.remote(doc_id).result()
        if found is None:
            raise KeyError(doc_id)
        return found

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._handle.source.remote(doc_id).result() is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._handle.source_ids.remote().result())

    def __len__(self) -> int:
        return self._count


class RemoteShard:
    """What :class:`ShardedDocumentStore` reads of a shard, answered by a :class:`ShardSearcher` deployment."""

    def __init__(self, handle: Any, manifest: Manifest) -> None:
        self.handle, self.manifest = handle, manifest
        self.sources = RemoteSources(handle, manifest.document_count)
        self.faiss_factory = manifest.faiss_factory
        self.nprobe = 0  # the deployments set theirs from the settings

    def count_documents(self) -> int:
        return self.manifest.passage_count

    def _call(self, name: str, *args: Any) -> Any:
        return getattr(self.handle, name).remote(*args).result()

    def embedding_retrieval_batch(self, queries: Any, top_k: int) -> Any:
        return self._call("embedding_retrieval_batch", queries, top_k)

    def bm25_retrieval_batch(self, queries: list[str], top_k: int, languages: Any = None) -> Any:
        return self._call("bm25_retrieval_batch", queries, top_k, languages)

    def filter_documents(self, filters: dict[str, Any] | None = None) -> Any:
        return self._call("filter_documents", filters)

    def iter_passages(self) -> Iterator[Any]:
        yield from self._call("passages")

    def passage(self, passage_id: str) -> Any:
        return self._call("passage", passage_id)

    def passage_vector(self, passage_id: str) -> Any:
        return self._call("passage_vector", passage_id)

    def passage_vectors(self, passage_ids: list[str]) -> Any:
        return self._call("passage_vectors", passage_ids)

    def sentence_vectors(self, passage_ids: list[str]) -> Any:
        return self._call("sentence_vectors", passage_ids)

    def trained_index(self) -> Any:
        raise NotImplementedError("a version served on Ray is read-only here: build on Ray instead")


class RemoteShardedStore(ShardedDocumentStore):
    """A :class:`ShardedDocumentStore` over shard deployments: the same merge, the fan-out over Ray Serve."""

    def _each(self, call: Any) -> list[Any]:
        return gather([call(_Deferred(shard.handle)) for shard in self.shards])


class RemoteLoader:
    """The ingress's store loader (see ``create_app(store_loader=...)``): the version the deployments serve."""

    def __init__(self, handles: list[Any], version: str | None) -> None:
        self.handles, self.version = handles, version

    def __call__(self, settings: Any, index_dir: Path) -> RemoteShardedStore:
        from service.model_identity import current_identity, warn_on_differences

        version, folder, manifest, paths = served_version(index_dir)
        if version != self.version:
            raise IndexCorruptError(
                f"{index_dir} now serves version {version}; the Ray deployments serve {self.version}: "
                "restart factcheck serve --ray to serve the new version"
            )
        if len(paths) != len(self.handles):
            raise IndexCorruptError(f"{folder} has {len(paths)} shard(s), {len(self.handles)} are deployed")
        shards = []
        for path, handle in zip(paths, self.handles, strict=True):
            if manifest.shards:  # the version's manifest pins each shard's
                pinned = manifest.checksums.get(f"{path.name}/{MANIFEST}")
                if pinned is None or file_sha256(path / MANIFEST) != pinned:
                    raise IndexCorruptError(f"{path / MANIFEST} is damaged (checksum mismatch); rebuild the index")
            shards.append(RemoteShard(handle, Manifest.read(path)))
        store = RemoteShardedStore(shards, manifest)
        store.version = version
        warn_on_differences(manifest, current_identity(settings), version)
        return store


# --- the ingress side: embedders whose model is a deployment ----------------------------------


@component
class RemoteDocumentEmbedder:
    """The claims' embedder (documents in, documents with embeddings out) run by the :class:`Embedder` deployment."""

    def __init__(self, handle: Any, prefix: str) -> None:
        self.handle, self.prefix = handle, prefix

    def warm_up(self) -> None:
        """Nothing to load here: the deployment has the model."""

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        return {"documents": self.handle.embed_documents.remote(documents, self.prefix).result()}


class RemoteEmbedders:
    """The ingress's ``embedder_factory`` (see ``create_app``): the pipelines' embedders, remote."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __call__(self, kind: str, prefix: str) -> Any:
        if kind == "documents":
            return RemoteDocumentEmbedder(self.handle, prefix)
        raise ValueError(f"no remote embedder of kind {kind!r}")


# --- the deployments -------------------------------------------------------------------------


class Embedder:
    """The embedding model, loaded once: the claims' embedder a single machine's check uses (the same runtime,
    so the same vectors)."""

    def __init__(self, settings: Any, prefix: str) -> None:
        from index.inference import model_lock
        from service.model_names import resolve_model_path

        self.settings = settings
        self.model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
        self.lock = model_lock(self.model_path)
        self.components: dict[tuple[str, str], Any] = {}
        self.calls = 0
        self._component("documents", prefix)  # load the model now, not on the first request

    def _component(self, kind: str, prefix: str) -> Any:
        from service.verify.onnx_embedder import check_embedder

        key = (kind, prefix)
        if key not in self.components:
            made = check_embedder(self.settings, self.model_path, prefix)
            with self.lock:
                made.warm_up()  # the components share one model (one ONNX session, or haystack's backend cache)
            self.components[key] = made
        return self.components[key]

    def embed_documents(self, documents: list[Document], prefix: str) -> list[Document]:
        embedder = self._component("documents", prefix)
        with self.lock:
            self.calls += 1
            return embedder.run(documents=documents)["documents"]

    def call_count(self) -> int:
        """How many embedding requests this replica answered."""
        return self.calls


class ShardSearcher:
    """One shard folder loaded as a :class:`FaissDocumentStore` (checked like any load), searched on request."""

    def __init__(self, settings: Any, folder: str) -> None:
        from index.store import FaissDocumentStore
        from service.model_identity import embedding_identity

        expected_weights = embedding_identity(settings)[0]
        self.store = FaissDocumentStore.load(
            Path(folder), expected_model=settings.embedding_model, expected_weights=expected_weights
        )
        self.store.nprobe = settings.faiss_nprobe

    def embedding_retrieval_batch(self, queries: Any, top_k: int) -> Any:
        return self.store.embedding_retrieval_batch(queries, top_k)

    def bm25_retrieval_batch(self, queries: list[str], top_k: int, languages: Any = None) -> Any:
        return self.store.bm25_retrieval_batch(queries, top_k, languages)

    def filter_documents(self, filters: dict[str, Any] | None = None) -> Any:
        return self.store.filter_documents(filters)

    def passages(self) -> list[Any]:
        """Every passage without its vector (filter_documents decodes each one)."""
        return list(self.store.iter_passages())

    def passage(self, passage_id: str) -> Any:
        return self.store.passage(passage_id)

    def passage_vector(self, passage_id: str) -> Any:
        return self.store.passage_vector(passage_id)

    def passage_vectors(self, passage_ids: list[str]) -> Any:
        return self.store.passage_vectors(passage_ids)

    def sentence_vectors(self, passage_ids: list[str]) -> Any:
        return self.store.sentence_vectors(passage_ids)

    def source(self, doc_id: str) -> dict[str, Any] | None:
        return self.store.sources.get(doc_id)

    def source_ids(self) -> list[str]:
        return list(self.store.sources)


class Ingress:
    """The app of :func:`service.api.app.create_app`, its store the shard deployments."""

    def __init__(self, settings: Any, version: str | None, embedder: Any, *shards: Any) -> None:
        self.settings, self.version, self.embedder, self.shards = settings, version, embedder, list(shards)

    def __serve_build_asgi_app__(self) -> Any:
        from service.api.app import create_app

        return create_app(
            self.settings,
            store_loader=RemoteLoader(self.shards, self.version),
            embedder_factory=RemoteEmbedders(self.embedder),
        )

    def embedding_models_loaded(self) -> int:
        """How many embedding models this process loaded, on either runtime (0: the Embedder has them)."""
        import sys

        backend = sys.modules.get(
            "haystack_integrations.components.embedders.sentence_transformers.embedding_backend.backend"
        )
        onnx = sys.modules.get("service.verify.onnx_embedder")
        loaded = len(backend._SentenceTransformersEmbeddingBackendFactory._instances) if backend else 0
        return loaded + (len(onnx._LOADED) if onnx else 0)


DEFAULT_REPLICA_CPUS = 0.5


def fitting_cpus(cluster_cpus: float, replicas: int, wanted: float = DEFAULT_REPLICA_CPUS) -> float:
    """The CPUs each of ``replicas`` replicas asks: ``wanted``, or less so that they all fit ``cluster_cpus``."""
    if cluster_cpus <= 0 or replicas * wanted <= cluster_cpus:
        return wanted
    return max(0.01, int(cluster_cpus / replicas * 100) / 100)  # Ray takes fractions; round down


def build_app(settings: Any, shard_replicas: int = 1, replica_cpus: float | None = None) -> Any:
    """The Serve application (not yet running) for ``settings.index_dir``: an ingress, an embedder and
    one deployment per shard, each replica asking ``replica_cpus`` CPUs (None: see :func:`fitting_cpus`)."""
    from ray import serve

    if settings.document_store != "faiss":
        from service.errors import SettingsError

        raise SettingsError(
            "Ray Serve serves an index folder's versions (FACTCHECK_DOCUMENT_STORE=faiss); with PostgreSQL, "
            "run several factcheck serve replicas against the database instead"
        )
    version, _, manifest, paths = served_version(settings.index_dir)
    if replica_cpus is None:
        import ray

        cpus = ray.cluster_resources().get("CPU", 0) if ray.is_initialized() else 0
        replica_cpus = fitting_cpus(cpus, 2 + len(paths) * shard_replicas)
    actor = {"num_cpus": replica_cpus}
    # no index watch in the ingress: the deployments serve one version (see RemoteLoader)
    settings = settings.model_copy(update={"index_watch_seconds": 0})
    searcher = serve.deployment(ShardSearcher)
    shards = [
        searcher.options(name=f"shard-{k}", num_replicas=shard_replicas, ray_actor_options=actor).bind(
            settings, str(path)
        )
        for k, path in enumerate(paths)
    ]
    prefix = manifest.query_prefix  # the one the index was built for, as the pipelines take it
    embedder = serve.deployment(Embedder).options(name="embedder", ray_actor_options=actor).bind(settings, prefix)
    ingress = serve.deployment(serve.ingress()(Ingress)).options(name="ingress", ray_actor_options=actor)
    return ingress.bind(settings, version, embedder, *shards)


def run(settings: Any, host: str, port: int, shard_replicas: int = 1, replica_cpus: float | None = None) -> None:
    """Start Serve's HTTP proxy on ``host:port`` and deploy the app (the caller is connected to Ray)."""
    from ray import serve

    # one HTTP proxy, on the head: the address given is the head's
    serve.start(proxy_location="HeadOnly", http_options={"host": host, "port": port})
    app = build_app(settings, shard_replicas, replica_cpus)
    serve.run(app, name=APP_NAME, route_prefix="/", blocking=False)
