"""Demo data for `kycuong up --demo`: real Hà Nội units, real procedures, dossiers already late.

Loaded through each service's own use cases (the composition root may call them all), so every
record produces its events and the late-dossier chain runs by itself: within one sweep interval
the overdue dossiers ask their officials and heads to explain, repeated lateness raises sanction
proposals, and the ranking changes. Safe to run again: codes are fixed and existing ones are kept.

What a newcomer can open besides (README, "What you see in the demo"): finished dossiers that went
through their steps (control sheets with hand-overs; a late one names the step that overran), one
dossier per staffed unit waiting for the citizen's supplement, an apology letter with a new return
date, a refused and a withdrawn dossier; an inspection whose finding went through the disciplinary
steps to a decision (public list of violators, the official's eligibility); explanations accepted
and rejected by the head once the chain has asked for them.

The package holds one module per service (and `people` for the cast they share); `load` runs them in order.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from kycuong.demo import discipline as demo_discipline
from kycuong.demo import dossiers as demo_dossiers
from kycuong.demo import feedback as demo_feedback
from kycuong.demo import tasks as demo_tasks
from kycuong.demo.people import SEED, load_directory


def load(platform, progress: Callable[[str], None] = print) -> dict:
    rt = platform.runtimes
    rng = random.Random(SEED)
    counts = {}

    progress("demo 1/5: đơn vị hành chính Hà Nội (126 phường, xã) và các sở, ngành…")
    load_directory(rt["discipline"])

    progress("demo 2/5: thủ tục hành chính (danh mục mẫu)…")
    demo_dossiers.load_procedures(rt["dossiers"], progress)

    progress("demo 3/5: hồ sơ qua từng bước (một số đã quá hạn), chờ bổ sung, xin lỗi, từ chối, rút…")
    counts["dossiers"] = demo_dossiers.load(rt["dossiers"], rng)

    progress("demo 4/5: nhiệm vụ được giao và phản ánh…")
    demo_tasks.load_tasks(rt, rng)
    demo_feedback.load_feedback(rt, rng)

    progress("demo 5/5: kiểm tra công vụ, đề xuất và quyết định kỷ luật…")
    counts["decisions"] = demo_discipline.load_inspection_to_decision(rt["discipline"])

    # Explanations exist only once the overdue sweep's events have reached discipline (seconds after
    # start): judging them waits in the background so that start-up does not.
    threading.Thread(target=demo_discipline.judge_explanations_when_asked,
                     args=(rt["discipline"], platform.stop, progress),
                     name="demo-explanations", daemon=True).start()
    progress(f"demo loaded: {counts['dossiers']} new dossiers; the overdue sweep runs every "
             f"{rt['dossiers'].settings.sweep_interval:g}s and the chain follows by itself")
    return counts
