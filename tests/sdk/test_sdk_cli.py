"""The client command line against the real API: login stores a 0600 API key; submit exits 0 when
every image is done, 1 when some failed, 2 when refused; jobs, templates and wallet print what they read."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from drisya_client import Client, cli, config

from tests.sdk.conftest import photos


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("DRISYA_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("DRISYA_URL", raising=False)
    monkeypatch.delenv("DRISYA_API_KEY", raising=False)
    return tmp_path / "cfg"


def test_login_with_a_password_saves_an_api_key_0600(api, new_user, cfg, monkeypatch, capsys):
    caller = new_user()
    monkeypatch.setattr("sys.stdin", io.StringIO(caller.password + "\n"))
    code = cli.main(["login", "--url", api.url, "--email", caller.email, "--password-stdin"])
    assert code == 0, capsys.readouterr().err
    saved = config.load()
    assert saved is not None and saved.url == api.url and saved.api_key
    assert stat.S_IMODE((cfg / "client.json").stat().st_mode) == 0o600
    assert caller.password not in (cfg / "client.json").read_text()
    assert cli.main(["wallet"]) == 0 and "coins" in capsys.readouterr().out


def test_wrong_password_or_not_logged_in_exits_2_with_one_line(api, new_user, cfg, monkeypatch, capsys):
    assert cli.main(["jobs"]) == 2
    assert "drisya login" in capsys.readouterr().err
    caller = new_user()
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong password\n"))
    assert cli.main(["login", "--url", api.url, "--email", caller.email, "--password-stdin"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wrong e-mail or password" in err and not (cfg / "client.json").exists()


def _login_with_key(api, sdk_user, coins: int) -> None:
    key = sdk_user(coins=coins)._http.credential
    assert cli.main(["login", "--url", api.url, "--api-key", key]) == 0


def test_submit_exit_codes(ray_session, api, sdk_user, cfg, tmp_path, capsys):
    _login_with_key(api, sdk_user, coins=20)
    good = photos(tmp_path / "good", 2)
    out = tmp_path / "good.zip"
    args = ["submit", str(good), "--template", "#ffffff", "--size", "256", "--out", str(out)]
    assert cli.main([*args, "--recipe", str(_fast_recipe(tmp_path))]) == 0, capsys.readouterr().err
    assert "done: 2 done, 0 failed of 2" in capsys.readouterr().out
    assert {"item-0.jpg", "more/item-1.jpg", "manifest.csv"} <= set(zipfile.ZipFile(out).namelist())

    mixed = photos(tmp_path / "mixed", 2, broken=True, seed=10)
    out = tmp_path / "mixed.zip"
    argv = ["submit", str(mixed), "--template", "#ffffff", "--recipe", str(_fast_recipe(tmp_path))]
    assert cli.main([*argv, "--out", str(out), "-q"]) == 1
    assert "1 failed" in capsys.readouterr().out and zipfile.ZipFile(out).testzip() is None

    assert (
        cli.main(["submit", str(tmp_path / "nothing-here"), "--template", "#ffffff", "--out", "x.zip"]) == 2
    )
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["submit", str(good), "--template", "no-such-template", "--out", "x.zip"]) == 2
    assert "no-such-template" in capsys.readouterr().err
    # the refused submits made no job: only the two that ran are listed
    assert cli.main(["jobs"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and all(" done " in line for line in listed)
    first_id = listed[-1].split()[0]  # newest first: the last line is the all-good job
    assert cli.main(["jobs", first_id, "--out", str(tmp_path / "again.zip"), "-q"]) == 0
    assert zipfile.ZipFile(tmp_path / "again.zip").read("item-0.jpg")


def test_submit_without_enough_coins_exits_2_with_the_shortfall(api, sdk_user, cfg, tmp_path, capsys):
    _login_with_key(api, sdk_user, coins=0)  # the signup bonus only
    with Client(api.url, api_key=config.load().api_key) as c:
        balance = c.wallet.balance()
    many = photos(tmp_path / "many", balance // 2 + 1)
    argv = [
        "submit",
        str(many),
        "--template",
        "#ffffff",
        "--module",
        "look",
        "--out",
        str(tmp_path / "o.zip"),
    ]
    assert cli.main([*argv, "-q"]) == 2
    err = capsys.readouterr().err
    assert "insufficient coins" in err and "buy at least" in err and not (tmp_path / "o.zip").exists()
    with Client(api.url, api_key=config.load().api_key) as c:
        assert c.jobs.list().total == 0  # the job that could not start was removed


def test_templates_and_one_job(api, sdk_user, cfg, tmp_path, capsys):
    _login_with_key(api, sdk_user, coins=5)
    assert cli.main(["templates", "--q", "blue"]) == 0
    out = capsys.readouterr().out
    assert "Blue" in out and out.strip().splitlines()[-1].endswith(tuple("0123456789"))
    saved = config.load()
    with Client(saved.url, api_key=saved.api_key) as c:
        job = c.jobs.submit(photos(tmp_path / "p", 1), start=False, name="later")
    assert cli.main(["jobs", job.id]) == 0
    shown = capsys.readouterr().out
    assert job.id in shown and "created" in shown and "later" in shown
    assert cli.main(["jobs", "0" * 24]) == 2 and "no job" in capsys.readouterr().err


def _fast_recipe(tmp_path):
    path = tmp_path / "recipe.json"
    path.write_text('{"method": "fast"}')
    return path
