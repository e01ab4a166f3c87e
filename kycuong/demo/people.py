"""Who and what the demo is about: real Hà Nội units, their heads and officials, the inspection's cast."""

from __future__ import annotations

import logging
from datetime import date, datetime

from services.discipline.use_cases import directory as discipline_directory
from shared.auth import Principal
from shared.clock import ManualClock

log = logging.getLogger(__name__)

SEED = 20261121  # the same demo every time

# Units with staff in the demo: (unit, head, officials, procedures handled there)
STAFFED = [
    ("HN-SXD", ("CB-SXD-01", "Nguyễn Hữu Thắng", "Giám đốc"),
     [("CB-SXD-11", "Lê Thị Thu Hà"), ("CB-SXD-12", "Phạm Quốc Việt")], ["1.013225"]),
    ("HN-STP", ("CB-STP-01", "Trần Thị Hồng Nhung", "Giám đốc"),
     [("CB-STP-11", "Đỗ Minh Đức"), ("CB-STP-12", "Vũ Thị Lan")], ["2.000635"]),
    ("HN-STC", ("CB-STC-01", "Hoàng Văn Dũng", "Giám đốc"),
     [("CB-STC-11", "Ngô Thanh Tùng"), ("CB-STC-12", "Bùi Thị Mai")], ["1.001612"]),
    ("W00070", ("CB-W070-01", "Đặng Văn Long", "Chủ tịch UBND phường"),
     [("CB-W070-11", "Trịnh Thị Ngọc"), ("CB-W070-12", "Lý Văn Khoa")], ["1.001193", "2.000815"]),
    ("W00004", ("CB-W004-01", "Phan Thị Thảo", "Chủ tịch UBND phường"),
     [("CB-W004-11", "Nguyễn Đức Anh"), ("CB-W004-12", "Tạ Thị Hương")], ["1.001193", "2.000815"]),
    ("W00073", ("CB-W073-01", "Võ Minh Quân", "Chủ tịch UBND phường"),
     [("CB-W073-11", "Cao Thị Yến"), ("CB-W073-12", "Đinh Văn Hải")], ["1.001193", "2.000815"]),
]
HEADS = {unit: head[0] for unit, head, _, _ in STAFFED}
# A ward's chairman is elected to a term: a cán bộ (Decree 172/2025/ND-CP gives cán bộ khiển trách, cảnh
# cáo, cách chức, bãi nhiệm, never buộc thôi việc); a department's director is a công chức leader.
CADRE_HEADS = {unit for unit, (_, _, position), _, _ in STAFFED if position.startswith("Chủ tịch")}
# A viên chức of the ward's public administration service centre: judged by Decree 112/2020 (as amended by
# Decree 71/2023) while the set named Decree 234/2026 stays unverified.
PUBLIC_EMPLOYEE = ("VC-W073-21", "Lâm Thị Diệu Linh", "W00073", "Viên chức Trung tâm phục vụ hành chính công")

APPLICANTS = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Thị Dung", "Hoàng Minh Tuấn",
              "Vũ Thị Hạnh", "Đặng Quang Huy", "Bùi Thị Lan Anh", "Đỗ Văn Sơn", "Ngô Thị Thanh Thủy"]

# What citizens are asked to supplement, per procedure (one dossier of each staffed unit waits for it).
SUPPLEMENT_REASONS = {
    "1.013225": ["Thiếu bản vẽ mặt bằng móng công trình có chữ ký của đơn vị thiết kế",
                 "Bản sao giấy chứng nhận quyền sử dụng đất chưa được chứng thực"],
    "2.000635": ["Tờ khai chưa ghi ngày, tháng, năm đăng ký khai sinh của người được cấp bản sao trích lục"],
    "1.001612": ["Thiếu bản sao giấy tờ pháp lý của chủ hộ kinh doanh",
                 "Giấy đề nghị đăng ký hộ kinh doanh chưa ghi ngành, nghề kinh doanh"],
    "1.001193": ["Thiếu giấy chứng sinh (bản chính) do cơ sở y tế cấp",
                 "Tờ khai đăng ký khai sinh chưa có chữ ký của người đi đăng ký"],
}

# The inspection of W00070 found what a citizen's feedback complained of; it went to a decision.
INSPECTED_UNIT = "W00070"
INSPECTED_OFFICIAL = "CB-W070-12"
COUNCIL = ["CB-W070-01", "CB-W070-11", "CB-W070-13"]  # chaired by the ward's chairman, not the official
INSPECTOR = Principal("CB-SNV-21", "HN-SNV", frozenset({"inspector"}))
# The Office of the People's Committee follows every unit (its officials sign in with the role "office").
# She is the one the demo assigns tasks as (kycuong/demo/tasks.py: "demo-office").
OFFICE_OFFICIAL = ("demo-office", "Lương Thị Phương Thảo", "HN-VP", "Chuyên viên Văn phòng UBND Thành phố")
ADMIN = Principal("demo", None, frozenset({"admin"}))


def uow_at(runtime, moment: datetime):
    """A unit of work whose clock reads `moment`: the demo enters past facts (an inspection, the steps of
    a disciplinary procedure) on the days they happened, as the officials would have entered them."""
    uow = runtime.uow()
    uow.clock = ManualClock(moment)
    return uow




def load_directory(d) -> None:
    """Hà Nội's units (126 wards and communes, the departments) and the demo's officials and heads."""
    discipline_directory.import_province(d.uow(), 1)
    discipline_directory.import_departments(d.uow())
    for unit, (head, head_name, position), officials, _ in STAFFED:
        category = "can_bo" if unit in CADRE_HEADS else "cong_chuc"
        discipline_directory.upsert_official(d.uow(), head, head_name, unit, category, position, True)
        discipline_directory.assign_head(d.uow(), unit, head, date(2025, 7, 1))
        for code, name in officials:
            discipline_directory.upsert_official(d.uow(), code, name, unit, "cong_chuc", "Chuyên viên", False)
    discipline_directory.upsert_official(d.uow(), "CB-W070-13", "Hoàng Thị Thu", INSPECTED_UNIT, "cong_chuc",
                                         "Công chức Văn phòng - Thống kê", False)
    discipline_directory.upsert_official(d.uow(), INSPECTOR.sub, "Nguyễn Thị Minh Châu", INSPECTOR.unit,
                                         "cong_chuc", "Thanh tra viên", False)
    code, name, unit, position = PUBLIC_EMPLOYEE
    discipline_directory.upsert_official(d.uow(), code, name, unit, "vien_chuc", position, False)
    code, name, unit, position = OFFICE_OFFICIAL
    discipline_directory.upsert_official(d.uow(), code, name, unit, "cong_chuc", position, False)
