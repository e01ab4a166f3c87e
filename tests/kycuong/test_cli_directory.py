"""`kycuong directory`: an operator imports a province's wards and communes and the departments."""

import sqlite3

import pytest

from kycuong.cli import main


def test_the_directory_import_loads_hanoi_and_is_idempotent(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KYCUONG_VAR_DIR", str(tmp_path))
    for name in ("KYCUONG_DATABASE_URL", "KYCUONG_DISCIPLINE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["directory", "--province", "1", "--departments",
                 "services/discipline/data/hanoi_departments.csv"]) == 0
    first = capsys.readouterr().err
    assert "province 1: 127 created" in first and "17 created" in first
    assert main(["directory", "--province", "1"]) == 0
    assert "0 created, 0 changed, 127 unchanged" in capsys.readouterr().err
    with sqlite3.connect(tmp_path / "discipline.db") as db:
        assert db.execute("SELECT count(*) FROM units").fetchone()[0] == 144
        assert db.execute("SELECT name FROM units WHERE code = 'P01'").fetchone()[0] == "Thành phố Hà Nội"
        events = db.execute("SELECT count(*) FROM outbox WHERE routing_key = 'directory.unit_upserted'").fetchone()
        assert events[0] == 144  # one per unit, none for the second, unchanged import


def test_an_unknown_province_is_refused_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("KYCUONG_VAR_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="no province with national code 99"):
        main(["directory", "--province", "99"])
