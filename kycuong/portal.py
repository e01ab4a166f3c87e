"""The portal at `/` in embedded mode: what the platform is, the public ranking, links to each API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template

from shared.settings import SERVICES

SERVICE_TITLES = {
    "tasks": ("Nhiệm vụ được giao", "Assigned tasks"),
    "dossiers": ("Hồ sơ thủ tục hành chính", "Dossiers"),
    "feedback": ("Phản ánh, kiến nghị", "Feedback"),
    "discipline": ("Kỷ luật, giải trình", "Discipline"),
    "reporting": ("Báo cáo, xếp hạng", "Reporting"),
}


def create_portal(runtimes: dict) -> Flask:
    app = Flask("kycuong.portal")
    app.json.ensure_ascii = False

    @app.get("/")
    def index():
        return render_template("portal.html", services=[(s, *SERVICE_TITLES[s]) for s in SERVICES if s in runtimes])

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
