"""Markers of the deployment tests (pyproject.toml registers the project-wide ones)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "containers: builds the images and runs docker-compose.yml with podman (minutes; needs podman, "
                   "runc, mmdebstrap and podman-compose, which .ci/run installs)")
