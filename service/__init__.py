"""Fact and claim verification service: settings, pipelines, HTTP API and CLI."""

import factcheck_env  # noqa: F401  (the offline environment, before haystack is imported)
