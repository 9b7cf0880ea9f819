import subprocess
import sys

import pytest

from gridcare.config import ConfigError, load_settings
from gridcare.core import i18n


def test_it_names_the_variable_and_the_reason_for_a_bad_setting():
    with pytest.raises(ConfigError, match=r"^GRIDCARE_PORT: .*integer"):
        load_settings(port="eighty")
    with pytest.raises(ConfigError, match=r"^GRIDCARE_DATABASE_URL: must start with sqlite:// or postgresql://$"):
        load_settings(database_url="mysql://root@localhost/x")


def test_it_never_echoes_a_secret_or_url_in_the_message():
    with pytest.raises(ConfigError) as info:
        load_settings(redis_url="http://user:hunter2@redis")
    assert "hunter2" not in str(info.value)


def test_it_uses_psycopg3_for_plain_postgresql_urls_and_sqlite_by_default(tmp_path):
    assert load_settings(database_url="postgresql://u@h/db").sqlalchemy_url == "postgresql+psycopg://u@h/db"
    s = load_settings(data_dir=tmp_path)
    assert s.is_sqlite and s.sqlalchemy_url.endswith("/gridcare.sqlite3")


def test_it_keeps_a_generated_secret_key_across_restarts(tmp_path):
    first = load_settings(data_dir=tmp_path).ensure_secret_key()
    assert first == load_settings(data_dir=tmp_path).ensure_secret_key()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_it_stops_the_cli_with_one_line_naming_the_setting(tmp_path):
    env = {"GRIDCARE_DATA_DIR": str(tmp_path), "GRIDCARE_PORT": "0x"}
    result = subprocess.run([sys.executable, "-m", "gridcare.cli", "db", "upgrade"], capture_output=True, text=True, env={**env, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridcare: configuration error: GRIDCARE_PORT:")


def test_it_prefers_chinese_and_understands_accept_language():
    assert i18n.negotiate(None) == "zh_CN"
    assert i18n.negotiate("en-US,en;q=0.9") == "en"
    assert i18n.negotiate("fr;q=1,en;q=0.5,zh-CN;q=0.8") == "zh_CN"
    assert i18n.negotiate("de") == "zh_CN"


def test_a_web_process_hands_the_gil_over_as_configured(tmp_path):
    script = "import sys; from gridcare.main import served_app; served_app(); print(sys.getswitchinterval())"
    env = {"GRIDCARE_DATA_DIR": str(tmp_path), "GRIDCARE_EMBEDDED_WORKER": "false", "PATH": "/usr/bin:/bin"}
    shown = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={**env, **extra}, check=True).stdout.split()[-1] for extra in ({}, {"GRIDCARE_GIL_SWITCH_MS": "2"})]
    assert [float(s) for s in shown] == [0.0005, 0.002]  # CPython's own default would be 0.005
    with pytest.raises(ConfigError, match=r"^GRIDCARE_GIL_SWITCH_MS: "):
        load_settings(gil_switch_ms=0)
