#!/usr/bin/env python3
"""Builds every container image Kỷ Cương runs, with podman, from Debian packages and a local wheelhouse.

    python3 deploy/images/build.py            # all of it: base images, wheelhouse, service images, application
    python3 deploy/images/build.py bases      # only the Debian base images and the service images on them
    python3 deploy/images/build.py app        # only the wheelhouse and the application image

No container registry is needed. Each base image is a Debian root file system made by `mmdebstrap` from this
machine's apt sources, with the packages its role needs, imported with `podman import`; the images
docker-compose.yml and deploy/k8s/ name are then built on those bases by `podman build` with no network:
the Containerfiles only copy files and change configuration. The application's Python dependencies are the
pins of pyproject.toml, downloaded once into var/wheelhouse/ (outside git) and installed from there with
`pip install --no-index`.

Everything is cached: a base image carries the hash of its recipe (suite, packages, apt sources, hooks) in
the label `org.kycuong.recipe` and is made again only when that changes; the wheelhouse likewise; podman's
layer cache makes the rest quick. Progress lines name each phase and its duration.

Standard library only: it runs before any virtual environment exists. Needs root (or user namespaces for
mmdebstrap's unshare mode) and Debian's mmdebstrap and podman. Environment: KYCUONG_DEBIAN_SOURCES (an apt
sources file, default: the host's Debian sources), KYCUONG_PYTHON_TAG (default cp311, what the base's
python3 runs), KYCUONG_IMAGE_SOURCE (as --source).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "deploy" / "images"
WHEELHOUSE = ROOT / "var" / "wheelhouse"
SUITE = "bookworm"
RECIPE_LABEL = "org.kycuong.recipe"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The Debian packages of each base image, and what is removed once they are installed.
BASES: dict[str, dict] = {
    # The application: Debian's Python 3.11 (the version pyproject.toml requires); Pango, HarfBuzz and
    # fontconfig for WeasyPrint; the fonts the PDF templates name (DejaVu Serif, and Liberation Serif, which
    # fontconfig substitutes for Times New Roman with the same metrics), both with Vietnamese coverage;
    # CA certificates for an OIDC provider's keys (KYCUONG_JWT_JWKS_URL).
    "runtime": {
        "packages": ["python3", "python3-venv", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
                     "fontconfig", "fonts-dejavu-core", "fonts-liberation2", "ca-certificates"],
        "remove": [],
    },
    # The Debian package creates a cluster on installation; the image makes its own on first start.
    "postgres": {"packages": ["postgresql-15"], "remove": ["/var/lib/postgresql/15", "/etc/postgresql/15"]},
    # The management plugin ships with the server.
    "rabbitmq": {"packages": ["rabbitmq-server"], "remove": []},
    # curl for the gateway's healthcheck.
    "nginx": {"packages": ["nginx", "curl"], "remove": []},
}

# The images the deployment files name: built on a base from deploy/images/<directory>/Containerfile.
SERVICE_IMAGES = {
    "localhost/kycuong-postgres:15-bookworm": "postgres",
    "localhost/kycuong-rabbitmq:3-management-bookworm": "rabbitmq",
    "localhost/kycuong-nginx:bookworm": "nginx",
}
APP_IMAGE = "localhost/kycuong:local"


def base_image(name: str) -> str:
    return f"localhost/kycuong-base-{name}:{SUITE}"


def progress(message: str) -> None:
    print(f"[images] {message}", flush=True)


class Phase:
    """`with Phase("name"):` prints the phase when it starts and its duration when it ends."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.started = time.monotonic()
        progress(f"{self.name} …")
        return self

    def __exit__(self, kind, value, traceback):
        outcome = "failed" if kind else "done"
        progress(f"{self.name}: {outcome} in {time.monotonic() - self.started:.1f}s")


def run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, text=True, **kw)
    if result.returncode != 0:
        if kw.get("capture_output"):
            print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"error: `{' '.join(argv)}` exited with {result.returncode}")
    return result


def engine() -> str:
    found = shutil.which(os.environ.get("KYCUONG_CONTAINER_ENGINE", "podman"))
    if not found:
        raise SystemExit("error: podman is not installed (Debian: apt-get install podman buildah runc)")
    return found


def image_label(name: str, label: str) -> str | None:
    result = subprocess.run([engine(), "image", "inspect", "--format", "json", name],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return None
    labels = (json.loads(result.stdout)[0].get("Labels") or {})
    return labels.get(label)


# --- base images ------------------------------------------------------------------------------------

def debian_sources() -> Path:
    """The host's apt sources for Debian (not third-party repositories, whose keys the base would lack)."""
    given = os.environ.get("KYCUONG_DEBIAN_SOURCES")
    candidates = [Path(given)] if given else [Path("/etc/apt/sources.list.d/debian.sources"),
                                               Path("/etc/apt/sources.list")]
    for path in candidates:
        if path.is_file() and path.read_text(encoding="utf-8").strip():
            return path
    raise SystemExit(f"error: no Debian apt sources found (looked at {', '.join(map(str, candidates))}); "
                     "set KYCUONG_DEBIAN_SOURCES to a sources file")


def base_recipe(name: str, sources: Path) -> str:
    recipe = {"suite": SUITE, "variant": "minbase", **BASES[name],
              "sources": sources.read_text(encoding="utf-8"), "builder": 1}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def build_base(name: str) -> None:
    if not shutil.which("mmdebstrap"):
        raise SystemExit("error: mmdebstrap is not installed (Debian: apt-get install mmdebstrap)")
    sources = debian_sources()
    recipe = base_recipe(name, sources)
    image = base_image(name)
    if image_label(image, RECIPE_LABEL) == recipe:
        progress(f"base {name}: cached ({image}, recipe {recipe})")
        return
    with Phase(f"base {name}: mmdebstrap {SUITE} + {', '.join(BASES[name]['packages'])}"):
        argv = ["mmdebstrap", "--variant=minbase", "--quiet", f"--include={','.join(BASES[name]['packages'])}",
                # The system's trust store for any HTTPS mirror (the network may inspect TLS).
                *([f"--aptopt=Acquire::https::CaInfo \"{CA_BUNDLE}\""] if CA_BUNDLE.exists() else []),
                "--aptopt=Acquire::Retries \"3\"",
                "--customize-hook=rm -rf \"$1\"/var/cache/apt/*.bin \"$1\"/var/log/apt/* \"$1\"/var/log/dpkg.log",
                *[f"--customize-hook=rm -rf \"$1\"{path}" for path in BASES[name]["remove"]]]
        with tempfile.TemporaryDirectory(prefix=f"kycuong-base-{name}-") as tmp:
            tarball = Path(tmp) / "rootfs.tar"
            run([*argv, SUITE, str(tarball), str(sources)])
            run([engine(), "import", "--quiet",
                 "--change", f"LABEL {RECIPE_LABEL}={recipe}",
                 "--change", f"ENV PATH={DEFAULT_PATH}",
                 "--change", "ENV LANG=C.UTF-8",
                 "--change", 'CMD ["bash"]',
                 str(tarball), image], stdout=subprocess.DEVNULL)


def build_service_image(image: str, directory: str) -> None:
    with Phase(f"image {image}"):
        run([engine(), "build", "--quiet", "--format", "docker", "--layers",
             "--build-arg", f"BASE={base_image(directory)}",
             "--tag", image, "--file", str(IMAGES / directory / "Containerfile"), str(IMAGES / directory)],
            stdout=subprocess.DEVNULL)


# --- the application ----------------------------------------------------------------------------------

def pyproject(source: Path = ROOT) -> dict:
    return tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))


def version(source: Path = ROOT) -> str:
    return pyproject(source)["project"]["version"]


def source_tree(revision: str | None, workdir: Path) -> Path:
    """The build context: the working tree, or the application's files at a git revision (a release tag, HEAD)
    with this checkout's deploy/ files and wheelhouse beside them."""
    if not revision:
        return ROOT
    commit = run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],
                 capture_output=True).stdout.strip()
    context = workdir / "context"
    context.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "pyproject.toml",
                              "README.md", "shared", "services", "kycuong"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(context)], input=archive.stdout, check=True)
    (context / "deploy" / "images" / "runtime").mkdir(parents=True)
    shutil.copy2(IMAGES / "runtime" / "kycuong-healthcheck", context / "deploy" / "images" / "runtime")
    progress(f"application source: {revision} ({commit[:12]})")
    return context


def prepare_wheelhouse(source: Path = ROOT) -> None:
    """Wheels of the pinned dependencies (and the build backend) for the base's Python, downloaded once."""
    project = pyproject(source)
    requirements = project["project"]["dependencies"] + project["build-system"]["requires"]
    python_tag = os.environ.get("KYCUONG_PYTHON_TAG", "cp311")
    recipe = hashlib.sha256(json.dumps([requirements, python_tag, 1]).encode()).hexdigest()[:16]
    marker = WHEELHOUSE / ".recipe"
    if marker.exists() and marker.read_text().strip() == recipe:
        progress(f"wheelhouse: cached ({WHEELHOUSE.relative_to(ROOT)}, recipe {recipe})")
        return
    with Phase(f"wheelhouse: {len(requirements)} pinned requirements for {python_tag}"):
        shutil.rmtree(WHEELHOUSE, ignore_errors=True)
        WHEELHOUSE.mkdir(parents=True)
        (WHEELHOUSE / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
        env = dict(os.environ)
        if CA_BUNDLE.exists():
            env.setdefault("PIP_CERT", str(CA_BUNDLE))
        # Binary wheels for the image's interpreter and glibc, whatever Python runs this script. pip's own
        # output only when it fails (a mirror's configuration may make it chatty).
        run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--only-binary=:all:", "--implementation", "cp", "--python-version", f"{python_tag[2]}.{python_tag[3:]}",
             "--abi", python_tag, *[f"--platform=manylinux_2_{minor}_x86_64" for minor in (36, 28, 17)],
             "--platform=manylinux2014_x86_64", "--dest", str(WHEELHOUSE),
             "--requirement", str(WHEELHOUSE / "requirements.txt")], env=env, capture_output=True)
        marker.write_text(recipe + "\n")


def build_app(revision: str | None) -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kycuong-image-", dir=ROOT / "var") as workdir:
        source = source_tree(revision, Path(workdir))
        prepare_wheelhouse(source)
        if source != ROOT:
            # Hard links: the wheelhouse inside the context without copying it.
            shutil.copytree(WHEELHOUSE, source / "var" / "wheelhouse", copy_function=os.link)
        with Phase(f"image {APP_IMAGE} (kycuong {version(source)})"):
            run([engine(), "build", "--quiet", "--format", "docker", "--layers",
                 "--build-arg", f"BASE={base_image('runtime')}",
                 "--build-arg", f"KYCUONG_VERSION={version(source)}",
                 "--ignorefile", str(ROOT / "deploy" / "Dockerfile.dockerignore"),
                 "--tag", APP_IMAGE, "--file", str(ROOT / "deploy" / "Dockerfile"), str(source)],
                stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=("all", "bases", "app"), default="all")
    parser.add_argument("--source", default=os.environ.get("KYCUONG_IMAGE_SOURCE") or None, metavar="REVISION",
                        help="build the application from this git revision (a release tag; default: the working "
                             "tree; environment: KYCUONG_IMAGE_SOURCE)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.what in ("all", "bases"):
        # Side by side: each is mostly waiting on downloads and dpkg; a failure stops the build.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(BASES)) as pool:
            for future in [pool.submit(build_base, name) for name in BASES]:
                future.result()
        for image, directory in SERVICE_IMAGES.items():
            build_service_image(image, directory)
    if args.what in ("all", "app"):
        if args.what == "app":
            build_base("runtime")
        build_app(args.source)
    progress(f"all images ready in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
