"""The README's API examples run as written (issue 26, item 3): every ``curl`` line of a fenced
code block in README.md is read as curl reads it and sent to the API, mounted at ``/api/v1`` as
the server mounts it, on a database with data; with the README's placeholder token replaced by
a real one, each must answer 2xx with content. A README example that stops working fails here.

The reading follows curl's rules for the options the examples use (``-G`` with
``--data-urlencode`` builds the query, ``-H`` adds a header, ``-o`` names the file). Curl sends
the address's bytes as typed, and the server refuses raw UTF-8 in it (issue 26: the README's
``?blocks=東北`` answered 400); the HTTP client used here would quietly percent-encode it, so an
address that is not ASCII fails the test instead."""

import io
import json
import re
import shlex
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens

README = Path(__file__).resolve().parents[2] / "README.md"
# Where the README's examples send their requests, and the token they show.
HOST = "http://127.0.0.1:8501"
PREFIX = "/api/v1"
PLACEHOLDER = "crm_…"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


@dataclass
class Request:
    source: str
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    query: list[str] = field(default_factory=list)  # data parts, each already encoded
    get: bool = False
    output: str | None = None


def curl_lines(text: str) -> list[str]:
    """Every ``curl`` command of the fenced code blocks, continuation lines joined."""
    found = []
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("curl "):
                found.append(line.strip())
    return found


def _urlencode_part(value: str) -> str:
    """``--data-urlencode`` as curl reads it: ``name=content`` → name=percent-encoded content;
    ``=content`` or ``content`` → the encoded content alone."""
    name, equals, content = value.partition("=")
    if not equals:
        return quote(value, safe="")
    return (f"{name}=" if name else "") + quote(content, safe="")


def parse(line: str) -> Request:
    words = shlex.split(line, comments=True)
    assert words[0] == "curl", line
    request = Request(line)
    words = iter(words[1:])
    for word in words:
        if word in ("-G", "--get"):
            request.get = True
        elif word in ("-H", "--header"):
            name, _, value = next(words).partition(":")
            request.headers[name.strip()] = value.strip()
        elif word == "--data-urlencode":
            request.query.append(_urlencode_part(next(words)))
        elif word in ("-d", "--data"):
            request.query.append(next(words))
        elif word in ("-o", "--output"):
            request.output = next(words)
        elif word in ("-s", "--silent", "-S", "--show-error", "-f", "--fail"):
            pass
        elif word.startswith("-"):
            pytest.fail(f"README example uses a curl option this test does not read: {word}")
        else:
            assert not request.url, f"two addresses in one example: {line}"
            request.url = word
    assert request.url, f"no address in {line}"
    assert not request.query or request.get, f"a POST example in a read-only API: {line}"
    return request


@pytest.fixture
def secretariat_token(known_engine):
    """A token of the account the README makes one for (``crm tokens add secretariat``)."""
    with Session(known_engine) as s:
        _, token = api_tokens.create_token(s, SYSTEM, "secretariat", name="事務局集計シート")
        s.commit()
    return token


@pytest.fixture
def client(known_engine):
    server = Starlette(routes=[Mount(PREFIX, create_api(lambda: known_engine))])
    with TestClient(server, base_url=HOST) as test_client:
        yield test_client


EXAMPLES = curl_lines(README.read_text(encoding="utf-8"))


def test_the_readme_has_the_api_examples():
    # Guards the reading itself: a change of layout must not leave the test below with nothing.
    assert len(EXAMPLES) >= 3
    assert any("--data-urlencode" in line for line in EXAMPLES)


@pytest.mark.parametrize("line", EXAMPLES)
def test_a_readme_example_runs_as_written(client, secretariat_token, line):
    request = parse(line)
    assert request.url.isascii(), (
        f"curl sends this address's bytes unencoded and the server refuses it: {request.url}"
        " (percent-encode it, or use -G --data-urlencode)"
    )
    parts = urlsplit(request.url)
    assert f"{parts.scheme}://{parts.netloc}" == HOST and parts.path.startswith(PREFIX), line
    headers = {
        name: value.replace(PLACEHOLDER, secretariat_token)
        for name, value in request.headers.items()
    }
    url = request.url.replace(PLACEHOLDER, secretariat_token)
    if request.query:
        url += ("&" if parts.query else "?") + "&".join(request.query)
    answer = client.get(url, headers=headers)
    assert 200 <= answer.status_code < 300, (line, answer.status_code, answer.text[:500])
    assert answer.content, line
    kind = answer.headers["content-type"]
    if kind.startswith("application/json"):
        assert json.loads(answer.content), f"an empty answer to {line}"
    elif "spreadsheetml" in kind:
        assert zipfile.is_zipfile(io.BytesIO(answer.content)), line
    else:
        assert answer.content.decode("utf-8-sig").strip(), line


def test_the_readmes_japanese_filter_answers_for_the_block_it_names(client, secretariat_token):
    """The example with a Japanese value gets what it asks for: 東北's hubs, not everything."""
    (line,) = [line for line in EXAMPLES if "blocks=東北" in line]
    request = parse(line)
    token = {"Authorization": f"Bearer {secretariat_token}"}
    url = request.url + "?" + "&".join(request.query)
    asked = client.get(url, headers=token).json()
    everything = client.get(request.url, headers=token).json()
    tohoku = client.get(request.url + "?hubs=02,06", headers=token).json()
    assert asked == tohoku != everything
