"""`kycuong`: one command line for every runtime mode and chore.

  kycuong up [--demo] [--port 8000]        all five services in one process (embedded)
  kycuong serve SERVICE [--port] [--workers] HTTP API of one service under gunicorn (distributed)
  kycuong worker SERVICE                   consumer, outbox relay and sweeps of one service
  kycuong migrate [SERVICE]                apply database migrations
  kycuong topology                         declare exchanges and queues on the broker
  kycuong directory --province 1 [--departments FILE.csv]   import units into the directory
  kycuong procedures import FILE [--format csv|json]        import a procedure list (dossiers)
  kycuong token --sub U --unit X --role R  mint a development JWT
  kycuong events [--markdown]              print the event catalog
  kycuong audit verify                     verify discipline's audit hash chain (exit 1 at a broken link)
  kycuong calendar list|add|remove [DAY] [--kind day_off|working_day] [--label …]   announce days off/worked
  kycuong reporting rebuild                rebuild reporting's projections from its event archive
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
import threading
from datetime import UTC, datetime, timedelta

from kycuong import registry
from shared import logging as platform_logging
from shared import migrations
from shared.settings import SERVICES, Settings, SettingsError

log = logging.getLogger("kycuong.cli")


def _settings(args) -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"configuration error: {exc}") from exc


def _serving_settings(args) -> Settings:
    """Settings for a process that serves or works: outside the embedded default, refused when anyone could
    forge a token or publish for any unit."""
    settings = _settings(args)
    if settings.embedded_default:
        return settings
    reasons = settings.unsafe_reasons()
    if reasons:
        raise SystemExit("configuration error: refusing to start against a real broker or database:\n  - "
                         + "\n  - ".join(reasons))
    if settings.trust_any_publisher and not settings.publishers:
        log.warning("KYCUONG_TRUST_ANY_PUBLISHER=1: ingest events are accepted from any publisher for any "
                    "unit; development only")
    return settings


def cmd_up(args) -> int:
    from werkzeug.serving import make_server

    from kycuong import embedded

    settings = _serving_settings(args)
    if not settings.in_memory_broker or settings.database_urls:
        log.info("embedded mode with configured broker/databases", extra={"broker": settings.broker_url})
    # The port first: a newcomer whose port is taken learns it at once, not after the demo has loaded.
    dispatch = _LateApp()
    fd = args.fd
    if fd is None:
        try:
            listener = socket.create_server((args.host, args.port))
        except OSError as exc:
            raise SystemExit(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); another "
                             "program holds that port: stop it, or choose another with --port") from exc
        fd = listener.fileno()
    server = make_server(args.host, args.port, dispatch, threaded=True, fd=fd)
    platform = embedded.build(settings)
    platform.start_workers(sweeps=not args.demo)
    if args.demo:
        from kycuong import demo

        demo.load(platform, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        platform.start_sweeps()
    dispatch.app = platform.wsgi
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"
    print(f"\nKỷ Cương đang chạy tại {url}/  (running; Ctrl+C to stop)\n"
          f"  Đăng nhập (sign in):   {url}/discipline/sign-in"
          f"{'   — demo: choose an official' if settings.embedded_default else ''}\n"
          f"  Hồ sơ của tôi:         {url}/dossiers/workbench\n"
          f"  API: {url}/<service>/docs/  — services: {', '.join(SERVICES)}\n", file=sys.stderr, flush=True)
    _stop_on_signals(lambda: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever()
    finally:
        platform.shutdown()
    return 0


class _LateApp:
    """The WSGI app of `up`, bound to its port before the platform is built: until then it answers 503."""

    app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8"),
                                                      ("Retry-After", "5")])
            return ["Kỷ Cương đang khởi động — starting, try again in a few seconds\n".encode()]
        return self.app(environ, start_response)


def cmd_serve(args) -> int:
    from gunicorn.app.base import BaseApplication

    from shared.runtime import ServiceRuntime
    from shared.web import create_service_app

    settings = _serving_settings(args)
    spec = registry.spec(args.service)

    class Server(BaseApplication):
        def load_config(self):
            # A listening socket handed over by the parent (`--fd`) is never lost to another listener between
            # choosing a port and binding it.
            self.cfg.set("bind", f"fd://{args.fd}" if args.fd is not None else f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread" if args.threads > 1 else "sync")
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 10)

        def load(self):
            # Built in each worker after the fork: no connection crosses a fork.
            return create_service_app(ServiceRuntime(spec, settings, pre_ping=False))

    Server().run()
    return 0


def cmd_worker(args) -> int:
    from shared.runtime import ServiceRuntime

    settings = _serving_settings(args)
    rt = ServiceRuntime(registry.spec(args.service), settings)
    stop = threading.Event()
    _stop_on_signals(stop.set)
    rt.start_workers(stop, relay=not args.no_relay, consumers=not args.no_consumer, sweeps=not args.no_sweeps)
    log.info("worker started", extra={"service": rt.name, "instance": settings.instance})
    print(f"worker {rt.name} ready", file=sys.stderr, flush=True)
    stop.wait()
    rt.dispose()
    return 0


def cmd_migrate(args) -> int:
    settings = _settings(args)
    names = [args.service] if args.service else list(SERVICES)
    for name in names:
        spec = registry.spec(name)
        url = settings.database_url(name)
        migrations.upgrade(spec.migrations, url)
        print(f"{name}: migrated ({_redact(url)})", file=sys.stderr)
    return 0


def cmd_makemigration(args) -> int:
    import tempfile
    from pathlib import Path

    spec = registry.spec(args.service)
    with tempfile.TemporaryDirectory() as tmp:
        migrations.revision(spec.migrations, f"sqlite:///{Path(tmp) / 'scratch.db'}", args.message)
    return 0


def cmd_directory(args) -> int:
    """Import units into discipline's directory (it spreads them to the other services as events)."""
    from services.discipline.use_cases import directory as discipline
    from services.discipline.use_cases import sign_in
    from shared.errors import DomainError
    from shared.runtime import ServiceRuntime

    settings = _settings(args)
    rt = ServiceRuntime(registry.spec("discipline"), settings)
    migrations.upgrade(rt.spec.migrations, rt.database_url)

    def progress(label: str):
        def show(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            end = "\n" if done >= total else ""
            print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr,
                  flush=True)
        return show

    try:
        if args.province is not None:
            result = discipline.import_province(rt.uow(), args.province, progress(f"tỉnh/thành {args.province}"))
            print(f"province {args.province}: {len(result.created)} created, {len(result.changed)} changed, "
                  f"{result.unchanged} unchanged", file=sys.stderr)
        if args.departments:
            result = discipline.import_departments(rt.uow(), args.departments, progress("sở, ngành"))
            print(f"{args.departments}: {len(result.created)} created, {len(result.changed)} changed, "
                  f"{result.unchanged} unchanged", file=sys.stderr)
        for link in args.link or ():
            official, _, subject = link.partition("=")
            sign_in.link_subject(rt.uow(), official.strip(), subject)
            print(f"official {official.strip()}: " + (f"linked to {subject.strip()!r} of the identity provider"
                                                       if subject.strip() else "no longer linked"), file=sys.stderr)
    except DomainError as exc:
        raise SystemExit(f"import refused: {exc.message} {exc.errors or ''}".strip()) from exc
    finally:
        rt.dispose()
    print("the relay of `kycuong worker discipline` (or `kycuong up`) publishes the directory events",
          file=sys.stderr)
    return 0


def cmd_audit(args) -> int:
    """Recompute discipline's audit hash chain; exit 1 naming the first broken link."""
    from services.discipline.use_cases import audit as discipline
    from shared.runtime import ServiceRuntime

    rt = ServiceRuntime(registry.spec("discipline"), _settings(args))
    migrations.upgrade(rt.spec.migrations, rt.database_url)

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\rnhật ký kiểm toán [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
              file=sys.stderr, flush=True)

    try:
        result = discipline.verify_audit_chain(rt.uow(), progress=show)
    finally:
        rt.dispose()
    if result["ok"]:
        print(f"audit chain OK: {result['entries']} entries verified — chuỗi nhật ký toàn vẹn")
        return 0
    broken = result["first_broken"]
    print(f"audit chain BROKEN at seq {broken['seq']}: {broken['reason']} ({result['entries']} entries read)")
    return 1


def cmd_procedures(args) -> int:
    """Import a procedure list file into the dossiers service, all or nothing."""
    from services.dossiers.use_cases import procedures
    from shared.errors import DomainError
    from shared.runtime import ServiceRuntime

    settings = _settings(args)
    rt = ServiceRuntime(registry.spec("dossiers"), settings)
    migrations.upgrade(rt.spec.migrations, rt.database_url)

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\rthủ tục hành chính [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
              file=sys.stderr, flush=True)

    try:
        result = procedures.import_procedure_list(rt.uow(), args.file, args.format, show)
    except DomainError as exc:
        problems = "\n".join(f"  {place}: {'; '.join(messages)}" for place, messages in exc.errors.items())
        raise SystemExit(f"import refused: {exc.message}\n{problems}".rstrip()) from exc
    finally:
        rt.dispose()
    print(f"{args.file}: {len(result.created)} procedures created, {len(result.changed)} renamed or moved, "
          f"{len(result.versions_added)} versions added, {result.unchanged} unchanged", file=sys.stderr)
    return 0


def cmd_calendar(args) -> int:
    """Operators' announcements of days off and working days (dossiers): the same use cases as
    /calendar/overrides, so running deadlines move the same way."""
    from datetime import date

    from services.dossiers.use_cases import calendar as dossiers_calendar
    from shared.errors import DomainError
    from shared.runtime import ServiceRuntime

    rt = ServiceRuntime(registry.spec("dossiers"), _settings(args))
    migrations.upgrade(rt.spec.migrations, rt.database_url)
    try:
        if args.action == "list":
            for override in dossiers_calendar.list_calendar_overrides(rt.uow(), args.year):
                print(f"{override.day}  {override.kind:<11}  {override.label}")
            return 0
        try:
            day = date.fromisoformat(args.day)
        except (TypeError, ValueError):
            raise SystemExit(f"the day must be YYYY-MM-DD, got {args.day!r}") from None
        if args.action == "add":
            done = dossiers_calendar.add_calendar_override(
                rt.uow(), dossiers_calendar.AnnounceDay(day=day, kind=args.kind, label=args.label))
            print(f"{done.day} {done.kind}: {done.label}; {done.deadlines_moved} running deadline(s) "
                  "moved", file=sys.stderr)
        else:
            done = dossiers_calendar.remove_calendar_override(rt.uow(), day)
            print(f"{done.day} withdrawn; {done.deadlines_moved} running deadline(s) moved", file=sys.stderr)
    except DomainError as exc:
        raise SystemExit(f"refused: {exc.message} {exc.errors or ''}".strip()) from exc
    finally:
        rt.dispose()
    return 0


def cmd_reporting(args) -> int:
    """`kycuong reporting rebuild`: empty reporting's projections and replay its event archive."""
    from services.reporting.use_cases.rebuild import rebuild
    from shared.runtime import ServiceRuntime

    settings = _settings(args)
    rt = ServiceRuntime(registry.spec("reporting"), settings)
    migrations.upgrade(rt.spec.migrations, rt.database_url)

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\rdựng lại báo cáo [{'#' * filled}{'.' * (width - filled)}] {done}/{total} sự kiện", end=end,
              file=sys.stderr, flush=True)

    try:
        result = rebuild(rt, batch_size=args.batch, progress=show)
    finally:
        rt.dispose()
    rate = result["events"] / result["seconds"] if result["seconds"] else 0
    print(f"rebuilt from {result['events']} archived events in {result['seconds']:.1f} s ({rate:,.0f} events/s); "
          "the relay of `kycuong worker reporting` publishes any ranking.updated it recorded", file=sys.stderr)
    return 0


def cmd_topology(args) -> int:
    from shared import broker, topology

    settings = _settings(args)
    conn = broker.connect(settings.broker_url)
    try:
        broker.ensure(conn)
        topology.declare_exchanges(conn)
        for name in SERVICES:
            spec = registry.spec(name)
            for stream in spec.all_streams():
                queue = topology.declare(conn, name, stream.handlers, stream=stream.name, exchange=stream.exchange,
                                         delivery_limit=settings.delivery_limit)
                print(f"{queue.name} ← {stream.exchange.name}: {', '.join(sorted(stream.handlers))}")
    finally:
        conn.release()
    return 0


def cmd_token(args) -> int:
    from shared.auth import mint_token

    settings = _settings(args)
    try:
        token = mint_token(settings.jwt_secret, sub=args.sub, unit=args.unit, roles=args.role or ["officer"],
                           now=datetime.now(UTC), ttl=timedelta(hours=args.hours), audience=settings.jwt_audience)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    print(token)
    return 0


def cmd_events(args) -> int:
    from shared.events.catalog import CATALOG, describe_markdown

    if args.markdown:
        print(describe_markdown())
    else:
        for entry in CATALOG.values():
            print(json.dumps({"type": entry.name, "producer": entry.producer,
                              "fields": list(entry.schema().fields)}, ensure_ascii=False))
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kycuong")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _stop_on_signals(callback) -> None:
    def handler(_signum, _frame):
        callback()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    platform_logging.configure(Settings.from_env().log_level if args.command != "token" else "WARNING")
    return args.func(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kycuong", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kycuong {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("up", help="run all five services in one process (embedded)")
    p.add_argument("--demo", action="store_true", help="load realistic demo data")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--fd", type=int, default=None,
                   help="serve on this inherited listening socket instead of binding --host/--port")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("serve", help="HTTP API of one service under gunicorn")
    p.add_argument("service", choices=SERVICES, help="which service's HTTP API")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    p.add_argument("--fd", type=int, default=None,
                   help="serve on this inherited listening socket instead of binding --host/--port")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="consumer, outbox relay and sweeps of one service")
    p.add_argument("service", choices=SERVICES, help="which service's background work")
    p.add_argument("--no-relay", action="store_true", help="do not publish the outbox (another worker does)")
    p.add_argument("--no-consumer", action="store_true", help="do not consume events")
    p.add_argument("--no-sweeps", action="store_true", help="do not run the periodic sweeps")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("service", nargs="?", choices=SERVICES, help="one service (default: all five)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("makemigration", help="autogenerate a migration for a service (developers)")
    p.add_argument("service", choices=SERVICES, help="the service whose models changed")
    p.add_argument("-m", "--message", required=True, help="what the migration does, in a few words")
    p.set_defaults(func=cmd_makemigration)

    p = sub.add_parser("directory", help="import units into the directory (discipline)")
    p.add_argument("--province", type=int, help="national province code, e.g. 1 for Hà Nội: the province and "
                                                 "all its wards and communes (vietnam-provinces)")
    p.add_argument("--departments", help="CSV file code,name,parent,kind of departments and agencies")
    p.add_argument("--link", action="append", metavar="OFFICIAL=SUBJECT",
                   help="link an official to their account at the identity provider (its ID token's claim, "
                        "KYCUONG_OIDC_CLAIM; `OFFICIAL=` unlinks); repeatable")
    p.set_defaults(func=cmd_directory)

    p = sub.add_parser("audit", help="the discipline audit log (tamper-evident hash chain)")
    p.add_argument("action", choices=["verify"], help="verify: recompute the chain, exit 1 at a broken link")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("procedures", help="the procedure list (dossiers)")
    procedures = p.add_subparsers(dest="action", required=True)
    p = procedures.add_parser("import", help="import procedures and their versions from CSV or JSON, all or nothing "
                                             "(sample: services/dossiers/data/procedures.csv)")
    p.add_argument("file", help="procedure list file; its layout is described in "
                               "services/dossiers/domain/procedure_list.py")
    p.add_argument("--format", choices=("csv", "json"), help="default: from the file's extension")
    p.set_defaults(func=cmd_procedures)

    p = sub.add_parser("calendar", help="announce days off and working days (moves running deadlines)")
    p.add_argument("action", choices=("list", "add", "remove"),
                   help="list the announcements, add one, or remove one")
    p.add_argument("day", nargs="?", help="YYYY-MM-DD (add, remove)")
    p.add_argument("--kind", choices=("day_off", "working_day"), default="day_off",
                   help="a day off, or a weekend day worked (default day_off)")
    p.add_argument("--label", help="the announcement in Vietnamese, e.g. 'Nghỉ bù Quốc khánh' (add)")
    p.add_argument("--year", type=int, help="only this year's announcements (list)")
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser("reporting", help="reporting maintenance: rebuild the projections from the event archive")
    p.add_argument("action", choices=["rebuild"], help="rebuild: empty the projections and replay the archive "
                                                       "(stop `kycuong worker reporting` first)")
    p.add_argument("--batch", type=int, default=2000, help="events per transaction (default 2000)")
    p.set_defaults(func=cmd_reporting)

    p = sub.add_parser("topology", help="declare exchanges and queues on the broker")
    p.set_defaults(func=cmd_topology)

    p = sub.add_parser("token", help="mint a development JWT")
    p.add_argument("--sub", required=True, help="user id")
    p.add_argument("--unit", help="unit code")
    p.add_argument("--role", action="append", help="officer, head, inspector, office, admin (repeatable)")
    p.add_argument("--hours", type=float, default=8, help="how long the token lives (default 8)")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("events", help="print the event catalog")
    p.add_argument("--markdown", action="store_true", help="as docs/events.md")
    p.set_defaults(func=cmd_events)

    return parser


if __name__ == "__main__":
    sys.exit(main())
