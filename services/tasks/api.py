"""HTTP API of the tasks service: parse, call a use case, serialise."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.tasks import service
from services.tasks.schemas import TaskIn, TaskOut, TaskPage, TaskQuery
from shared.auth import current_principal, require_roles
from shared.web import ErrorResponse, runtime

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Nhiệm vụ được giao — assigned tasks")


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskPage)
    @blp.alt_response(401, schema=ErrorResponse)
    @blp.doc(security=[{"bearerAuth": []}])
    @require_roles()
    def get(self, args):
        """List tasks of a unit (yours by default)."""
        return service.list_tasks(runtime().uow(), current_principal(), args["unit"], args["document"],
                                  args["page"], args["page_size"])

    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.doc(security=[{"bearerAuth": []}])
    @require_roles("office", "head", "admin")
    def post(self, data):
        """Assign a task to a lead unit; emits `task.assigned`."""
        return service.assign_task(runtime().uow(), data, current_principal())


@blp.route("/<code>")
class TaskByCode(MethodView):
    @blp.response(200, TaskOut)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.doc(security=[{"bearerAuth": []}])
    @require_roles()
    def get(self, code):
        """One task."""
        return service.get_task(runtime().uow(), code, current_principal())
