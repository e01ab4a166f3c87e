"""Request and response schemas of the tasks API."""

from marshmallow import Schema, fields, validate

from shared.web import LocalDateTime, PageArgs, page_schema


class TaskIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    lead_unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    co_units = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)
    due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    document = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata={"description": "directing document, e.g. 01/CT-UBND"})
    required_product = fields.String(load_default=None, allow_none=True)


class TaskOut(Schema):
    code = fields.String()
    title = fields.String()
    lead_unit = fields.String()
    co_units = fields.List(fields.String())
    due_at = LocalDateTime(allow_none=True)
    document = fields.String(allow_none=True)
    required_product = fields.String(allow_none=True)
    assigned_by = fields.String(allow_none=True)
    created_at = LocalDateTime()


class TaskQuery(PageArgs):
    unit = fields.String(load_default=None)
    document = fields.String(load_default=None)


TaskPage = page_schema(TaskOut, "TaskPage")
