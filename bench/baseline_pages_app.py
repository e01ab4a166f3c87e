"""The floor the workbench pages are measured against: a bare Flask page with a table of an official's open
dossiers.

    gunicorn bench.baseline_pages_app:app   (BASELINE_DATABASE_URL set; started by bench/pages.py)

No platform layers (no session, no unit of work, no calendar, no shared layout): one plain SQL query for the
first 50 open dossiers the official holds, by due instant, rendered by Jinja into an HTML table with the same
columns as the workbench. Same engine settings as shared/db.py, and the same `Server-Timing: app;dur=` header
as shared/web/app.py, so the gap between the two is what the platform does on top of reading and showing the
rows.
"""

from __future__ import annotations

import os
import time
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, request
from sqlalchemy import create_engine, text

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
QUERY = text("SELECT code, procedure_code, current_step, due_at FROM dossiers "
             "WHERE current_official = :official AND status IN ('received', 'awaiting_supplement') "
             "ORDER BY due_at, code LIMIT :limit")
PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Hồ sơ của tôi</title></head>
<body><main><h1>Hồ sơ của tôi</h1>
<table>
  <thead><tr><th scope="col">Mã hồ sơ</th><th scope="col">Thủ tục</th><th scope="col">Bước</th>
  <th scope="col">Hạn xử lý</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td data-label="Mã hồ sơ"><a href="/dossiers/workbench/{{ row.code }}">{{ row.code }}</a></td>
    <td data-label="Thủ tục">{{ row.procedure_code }}</td><td data-label="Bước">{{ row.current_step or "—" }}</td>
    <td data-label="Hạn xử lý">{{ row.due_at.astimezone(tz).strftime("%d/%m/%Y %H:%M") }}</td></tr>
  {% endfor %}
  </tbody>
</table></main></body></html>
"""


def create_app(database_url: str) -> Flask:
    engine = create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)
    app = Flask(__name__)
    page = app.jinja_env.from_string(PAGE)  # compiled once, as Flask does with a template file

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        g.started_cpu = time.thread_time()

    @app.after_request
    def _finish(response: Response):
        elapsed, cpu = time.perf_counter() - g.started, time.thread_time() - g.started_cpu
        response.headers["Server-Timing"] = f"app;dur={elapsed * 1000:.1f}, cpu;dur={cpu * 1000:.1f}"
        return response

    @app.get("/baseline/workbench")
    def workbench():
        with engine.connect() as conn:
            rows = conn.execute(QUERY, {"official": request.args.get("official", ""), "limit": 50}).all()
        return page.render(rows=rows, tz=HANOI)

    return app


# Built at import, i.e. in each gunicorn worker after the fork (no preload): no connection crosses a fork.
app = create_app(os.environ["BASELINE_DATABASE_URL"]) if "BASELINE_DATABASE_URL" in os.environ else None
