"""Two app servers, one database, one Redis: a login and a rate limit hold across both."""

import re

import pytest
import requests

from config import TestConfig
from deliberate import create_app
from tests.conftest import PASSWORD, make_member
from tests.live.servers import fresh_database, gunicorn, redis_server

pytestmark = pytest.mark.live


def csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url).text).group(1)


def test_login_and_rate_limit_hold_across_two_servers(tmp_path):
    with fresh_database(tmp_path) as database_url, redis_server() as redis_url:
        writer = create_app(
            type(
                "Writer",
                (TestConfig,),
                {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)},
            )
        )
        make_member(writer, "ann@example.org", name="Ann Across")
        env = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_LOGIN": "4 per minute"}
        with (
            gunicorn(database_url, tmp_path, **env) as a,
            gunicorn(database_url, tmp_path, **env) as b,
        ):
            browser = requests.Session()
            signed_in = browser.post(
                f"{a}/login",
                data={
                    "csrf_token": csrf(browser, f"{a}/login"),
                    "email": "ann@example.org",
                    "password": PASSWORD,
                },
                allow_redirects=False,
            )
            assert signed_in.status_code == 302
            page = browser.get(f"{b}/account", allow_redirects=False)
            assert page.status_code == 200 and "Ann Across" in page.text

            # One sign-in above, four wrong passwords here: the fifth attempt from this
            # address is over the limit only if both servers share one counter.
            attacker = requests.Session()
            answers = []
            for server in (a, b, a, b):
                answers.append(
                    attacker.post(
                        f"{server}/login",
                        data={
                            "csrf_token": csrf(attacker, f"{server}/login"),
                            "email": "ann@example.org",
                            "password": "wrong password",
                        },
                    ).status_code
                )
            assert answers == [200, 200, 200, 429]
