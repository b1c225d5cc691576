import pytest
from cryptography.fernet import Fernet

from app.config import load_settings
from app.errors import ConfigError


def test_embedded_defaults_use_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.setattr("app.config.INSTANCE_DIR", str(tmp_path))
    s = load_settings({})
    assert s.database_url.startswith("sqlite:///") and str(tmp_path) in s.database_url
    assert s.redis_url == "" and s.erp_connector == "sandbox"
    assert len(s.secret_key) >= 32 and len(s.encryption_keys) == 1
    # the generated secrets are stable across restarts
    assert load_settings({}).secret_key == s.secret_key
    assert (tmp_path / "encryption.key").stat().st_mode & 0o077 == 0


def test_production_fails_fast_with_every_problem_listed():
    with pytest.raises(ConfigError) as err:
        load_settings({"ERP_PANEL_ENV": "production"})
    text = str(err.value)
    assert "SECRET_KEY" in text and "ENCRYPTION_KEYS" in text and "DATABASE_URL" in text


def test_production_rejects_bad_database_url():
    env = {"ERP_PANEL_ENV": "production", "SECRET_KEY": "x" * 40, "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "DATABASE_URL": "mysql://u@h/db", "PUBLIC_BASE_URL": "https://erp.example.com"}
    with pytest.raises(ConfigError, match="only sqlite and postgresql"):
        load_settings(env)
    env["DATABASE_URL"] = "not a url"
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings(env)


def test_production_accepts_complete_config():
    env = {"ERP_PANEL_ENV": "production", "SECRET_KEY": "x" * 40, "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "DATABASE_URL": "postgresql://u@db/erp", "PUBLIC_BASE_URL": "https://erp.example.com",
           "CACHE_TTL_STOCK": "30", "CRM_FRAME_ORIGINS": "https://a.example, https://b.example"}
    s = load_settings(env)
    assert s.ttl_stock == 30 and s.frame_origins == ["https://a.example", "https://b.example"]


def test_bad_number_is_a_clear_error():
    with pytest.raises(ConfigError, match="CACHE_TTL_STOCK='soon' is not a valid int"):
        load_settings({"CACHE_TTL_STOCK": "soon", "SECRET_KEY": "x" * 40,
                       "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": "sqlite://"})


def test_bad_env_name():
    with pytest.raises(ConfigError, match="ERP_PANEL_ENV"):
        load_settings({"ERP_PANEL_ENV": "staging", "SECRET_KEY": "x" * 40,
                       "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": "sqlite://"})


def test_invalid_encryption_key_fails_fast(tmp_path):
    from app.services import build_services
    s = load_settings({}, database_url=f"sqlite:///{tmp_path}/x.db", secret_key="x" * 40,
                      encryption_keys=["not-a-key"])
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS entry 1"):
        build_services(s)


def test_retry_settings_out_of_range_are_refused_with_the_variable_named():
    base = {"DATABASE_URL": "sqlite:////tmp/erp-panel-config-test.sqlite3", "SECRET_KEY": "s" * 40,
            "ENCRYPTION_KEYS": "0" * 43 + "="}
    for var, value in (("REDIS_RETRY_SECONDS", "0"), ("JOB_BACKOFF_FLOOR", "-0.1"), ("JOB_BACKOFF_BASE", "9000"),
                       ("JOB_MAX_ATTEMPTS", "0"), ("PANEL_READ_RETRIES", "-1"), ("WORKER_THREADS", "0"),
                       ("ORDER_CREDIT_MAX_AGE", "-1")):
        with pytest.raises(ConfigError, match=var):
            load_settings({**base, var: value})
    settings = load_settings({**base, "JOB_BACKOFF_FLOOR": "0", "REDIS_RETRY_SECONDS": "2.5"})
    assert settings.job_backoff_floor == 0 and settings.redis_retry_seconds == 2.5
