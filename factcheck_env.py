"""The process environment of an offline machine, set before haystack or transformers is imported.

``service``, ``index`` and ``corpus`` each import this first. No model hub and no telemetry host is
reachable here; asking them only adds timeouts and noise. ``setdefault`` leaves a user's own
choice alone.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# ONNX Runtime (the stance model without bf16 hardware) writes a device id and an event database under
# ~/.cache/Microsoft at its first session unless told not to, when its telemetry is read at import
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
# Ray (the optional build on Ray): no usage report, and no Prometheus queries for Ray Data's
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_DATA_USAGE_DISABLED", "1")
