"""Fact and claim verification service: settings, pipelines, HTTP API and CLI."""

import os

# No model hub and no telemetry host is reachable; asking them only adds timeouts and noise.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
