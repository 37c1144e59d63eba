"""The container image builds here (scripts/build-image.sh: buildah, no Docker engine, no registry), and
its default command serves claim checks offline: in a network namespace of its own, with nothing but
loopback, /readyz answers 200 and a claim gets a verdict."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
TAG = "localhost/factcheck:latest"
# the script's own cache folder; the image storage lives there too, so nothing is written elsewhere
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "factcheck-image"
STORAGE = CACHE / "storage"
PORT = 8000
READY_TIMEOUT_S = 180

# brings up loopback in the fresh network namespace (no iproute2 needed): SIOCGIFFLAGS, then SIOCSIFFLAGS | IFF_UP
LOOPBACK_UP = (
    "import fcntl, socket, struct; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
    "flags = struct.unpack('16sH', fcntl.ioctl(s, 0x8913, struct.pack('16sH14x', b'lo', 0))[:18])[1]; "
    "fcntl.ioctl(s, 0x8914, struct.pack('16sH14x', b'lo', flags | 1))"
)
# runs inside the container's network namespace: waits for /readyz, then checks one claim
CLIENT = """
import json, sys, time, urllib.error, urllib.request
base, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=5) as r:
            ready = {"status": r.status, "body": json.load(r)}
            break
    except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
        if time.monotonic() > deadline:
            print(json.dumps({"error": f"not ready: {e}"})); sys.exit(1)
        time.sleep(0.5)
ready_s = time.monotonic()
body = json.dumps({"claim": "Der NATO-Gipfel 2021 fand in Madrid statt", "top_k": 3}).encode()
req = urllib.request.Request(base + "/v1/claims/verify", body, {"content-type": "application/json"})
with urllib.request.urlopen(req, timeout=120) as r:
    print(json.dumps({"ready": ready, "ready_at": ready_s, "status": r.status, "verify": json.load(r)}))
"""


def _root_prefix() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    pytest.skip("building the image needs root or password-less sudo (buildah's chroot isolation, debootstrap)")


def _buildah(*args: str) -> list[str]:
    return [*_root_prefix(), "buildah", "--storage-driver", "vfs", "--root", str(STORAGE), "--runroot", str(STORAGE / "run"), *args]  # fmt: skip


@pytest.fixture(scope="module")
def image() -> str:
    root = _root_prefix()
    # --reuse: nothing is built when the image in the cache was made from these very sources
    build = subprocess.run(
        [*root, "bash", str(REPO / "scripts" / "build-image.sh"), "--tag", TAG, "--root", str(STORAGE), "--reuse"],
        cwd=REPO, capture_output=True, text=True, timeout=40 * 60,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-4000:] + build.stdout[-2000:]
    return TAG


@pytest.fixture()
def container(image):
    name = f"factcheck-test-{os.getpid()}"
    subprocess.run(_buildah("rm", name), capture_output=True)  # a leftover of an interrupted run
    subprocess.run(_buildah("from", "--name", name, image), check=True, capture_output=True, timeout=600)
    try:
        yield name
    finally:
        subprocess.run(_buildah("rm", name), capture_output=True, timeout=300)


def test_the_image_serves_claim_checks_offline(image, container):
    inspect = subprocess.run(_buildah("inspect", "--type", "image", image), check=True, capture_output=True, text=True)
    config = json.loads(inspect.stdout)["OCIv1"]["config"]
    assert config.get("User") == "factcheck", config  # not root
    assert "HF_HUB_OFFLINE=1" in config["Env"], config["Env"]
    command = config["Cmd"]
    assert command[:2] == ["factcheck", "serve"], command
    # the image's default command, as the container runtime would start it, in a network namespace
    # that has loopback and nothing else: whatever it would fetch from outside fails
    server = subprocess.Popen(
        [*_root_prefix(), "unshare", "--net", "sh", "-c",
         f'"$0" -c "{LOOPBACK_UP}" && exec "$@"', sys.executable,
         *_buildah("run", "--isolation", "chroot", container, "--", *command)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    try:
        time.sleep(1)
        assert server.poll() is None, server.stdout.read()[-4000:]
        client = subprocess.run(
            [*_root_prefix(), "nsenter", f"--net=/proc/{server.pid}/ns/net", sys.executable, "-c", CLIENT,
             f"http://127.0.0.1:{PORT}", str(READY_TIMEOUT_S)],
            capture_output=True, text=True, timeout=READY_TIMEOUT_S + 180,
        )  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            log = server.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            log = server.communicate()[0]
    assert client.returncode == 0, client.stdout + client.stderr + log[-4000:]
    assert "Exporting" not in log, log[-4000:]  # every model's fastest form was made when the image was built
    result = json.loads(client.stdout.strip().splitlines()[-1])
    print(f"container start to /readyz 200: {result['ready_at'] - started:.1f} s")
    assert result["ready"]["status"] == 200 and result["ready"]["body"]["status"] == "ready", result["ready"]
    verify = result["verify"]
    assert result["status"] == 200
    assert verify["verdict"] in ("SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO"), verify
    assert verify["evidence"], verify
