"""The import commands, run as a user runs them: a file, one line per problem, exit codes."""

import os
import subprocess
import sys

import pytest

from gridcare.customers import service as customers
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in

GOOD = "account,name,phones,address,lon,lat,utility,supply_point,tags\nE1,王芳,13812345678,五一大道1号,112.92,28.12,electric,,major\nE2,李强,13900001111,五一大道2号,112.97,28.12,electric,,\n"
BAD = GOOD + "E3,,12345,五一大道3号,112.9,28.1,electric,,\nE1,重复,13812345678,x,,,electric,,vip\n"


def run(db, tmp_path, *args, lang="C.UTF-8"):
    env = {**os.environ, "GRIDCARE_DATABASE_URL": db.url, "GRIDCARE_DATA_DIR": str(tmp_path), "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}
    return subprocess.run([sys.executable, "-m", "gridcare", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def org(database, clock):
    return demo_org.load(database, clock)


def test_it_imports_nothing_from_a_file_with_bad_rows_and_lists_every_one(database, org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(BAD, encoding="gbk")
    result = run(database, tmp_path, "import", "customers", str(path), "--org", "XC-E")
    assert result.returncode == 1
    assert "line 4, name" in result.stdout and "line 4, phones" in result.stdout and "line 5, account" in result.stdout and "line 5, tags" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("gridcare: error: ")
    with database.read() as session:
        assert customers.search(session, actor=org.principal("admin"))[1] == 0


def test_an_operator_whose_shell_speaks_chinese_reads_the_error_in_chinese(database, org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(BAD, encoding="utf-8")
    result = run(database, tmp_path, "import", "customers", str(path), "--org", "XC-E", lang="zh_CN.UTF-8")
    assert result.returncode == 1
    assert "第 4 行，name：" in result.stdout and "第 5 行，account：" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "gridcare: 错误：customers.csv 中有 4 处问题，未导入任何数据（请修正，或加 --skip-bad-rows 只导入正确的行）"


def test_it_imports_the_good_rows_when_told_to_skip_the_bad_and_updates_on_reimport(database, org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(BAD, encoding="utf-8")
    result = run(database, tmp_path, "import", "customers", str(path), "--org", "XC-E", "--skip-bad-rows")
    assert result.returncode == 0, result.stderr
    assert "2 created" in result.stdout
    path.write_text(GOOD.replace("王芳", "王芳芳"), encoding="utf-8")
    again = run(database, tmp_path, "import", "customers", str(path), "--org", "XC-E")
    assert "0 created, 2 updated" in again.stdout
    with database.read() as session:
        found, total = customers.search(session, actor=org.principal("admin"), query="E1")
    assert total == 1 and found[0].name == "王芳芳"


def test_it_names_a_missing_file_in_one_line(database, org, tmp_path):
    result = run(database, tmp_path, "import", "customers", str(tmp_path / "nope.csv"), "--org", "XC-E")
    assert result.returncode == 1 and result.stderr.strip() == f"gridcare: error: FILE: {tmp_path / 'nope.csv'} does not exist"


def test_the_api_lists_skipped_rows_in_the_language_asked_for(settings, database, clock, org):
    with client_for(settings, database, clock) as client:
        _, token = sign_in(client, "admin", demo_org.PASSWORD)
        form = {"org_unit_id": str(org.units["XC"]), "skip_bad_rows": "true"}
        english, chinese = (
            client.post("/api/v1/customers/import", files={"file": ("c.csv", BAD.encode())}, data=form, headers={"X-CSRF-Token": token, **extra}).json()
            for extra in ({}, {"Accept-Language": "zh-CN"})
        )
    assert [(p["line"], p["field"]) for p in english["problems_detail"]] == [(p["line"], p["field"]) for p in chinese["problems_detail"]]
    name = next(p for p in chinese["problems_detail"] if p["field"] == "name")
    assert name["reason"] == "为必填项" and next(p for p in english["problems_detail"] if p["field"] == "name")["reason"] == "is required"


def test_an_operator_whose_shell_speaks_chinese_reads_the_summaries_and_problem_lines_in_chinese(database, org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(BAD, encoding="utf-8")
    skipped = run(database, tmp_path, "import", "customers", str(path), "--org", "XC-E", "--skip-bad-rows", lang="zh_CN.UTF-8")
    assert skipped.returncode == 0, skipped.stderr
    assert "客户：新建 2 户，更新 0 户，跳过错误行" in skipped.stdout
    assets = tmp_path / "assets.csv"
    assets.write_text("code,kind,parent,name,lon,lat\nT1,teapot,,一号,112.9,28.1\n", encoding="utf-8")
    refused = {lang: run(database, tmp_path, "import", "assets", str(assets), lang=lang) for lang in ("zh_CN.UTF-8", "C.UTF-8")}
    assert refused["zh_CN.UTF-8"].returncode == 1 and "第 2 行（T1），kind：" in refused["zh_CN.UTF-8"].stdout
    assert "line 2 (T1), kind: " in refused["C.UTF-8"].stdout  # English stays as it was
    upgraded = run(database, tmp_path, "db", "upgrade", lang="zh_CN.UTF-8")
    assert upgraded.stdout.strip() == "数据库已是最新结构"
