"""What embedded mode answers outside the five services: the platform's health, readiness and metrics as a
whole (the home page at `/` is reporting's, kycuong.embedded)."""

from __future__ import annotations

from flask import Flask, jsonify


def create_portal(runtimes: dict) -> Flask:
    app = Flask("kycuong.portal")
    app.json.ensure_ascii = False

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "services": sorted(runtimes)})

    @app.get("/readyz")
    def readyz():
        from shared.db import ping

        checks = {}
        for name, rt in runtimes.items():
            try:
                ping(rt.engine)
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"unavailable: {exc.__class__.__name__}"
        ready = all(v == "ok" for v in checks.values())
        return jsonify({"status": "ready" if ready else "not_ready", "checks": checks}), 200 if ready else 503

    @app.get("/metrics")
    def metrics():
        from shared.web import metrics as service_metrics

        return service_metrics()

    return app
