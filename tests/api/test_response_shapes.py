"""The lists' response schemas are derived from the entities' declarations: the OpenAPI document
shows, for each list, a page of items whose properties are exactly the keys an answer has,
titled with the declared Japanese terms; the answers (JSON and CSV) are the table rows as
before; a declared field reaches the document without a line of API code."""

import csv
import io
from pathlib import Path
from typing import Annotated

import pytest
from fastapi.encoders import jsonable_encoder
from sqlmodel import Session, select
from starlette.testclient import TestClient

import crm.api
from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.entities import (
    CompanyFields,
    ConsultationFields,
    FollowUpFields,
    NeedFields,
    PlacementFields,
    Spec,
    declared,
    read_shape,
)
from crm.models import Company, Consultation, FollowUp, Placement, TalentNeed
from crm.reference import SalesBand
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

# List endpoint -> (its table, the entity's shared-fields class).
LISTS = {
    "/firms": (Company, CompanyFields),
    "/consultations": (Consultation, ConsultationFields),
    "/needs": (TalentNeed, NeedFields),
    "/placements": (Placement, PlacementFields),
    "/follow-ups": (FollowUp, FollowUpFields),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def token(engine, actors):
    """A secretariat token over one firm of each hub with a case each: a consultation, a need,
    a placement and the follow-up it schedules (every optional field of the firm filled)."""
    with Session(engine, expire_on_commit=False) as s:
        for actor in (actors.manager01, actors.manager02):
            firm = make_company(
                s,
                actor,
                kana="テストコウギョウ",
                city="テスト市",
                capital_jpy=10_000_000,
                notes="備考",
                sales_band=SalesBand.FROM_100M.value,
            )
            consultation = make_consultation(s, actor, firm, next_action="再訪")
            need = make_need(s, actor, consultation)
            partner = make_partner(s, name=f"人材{actor.hub_code}")
            make_placement(s, actor, need, partner_id=partner.id)
        _, secret = api_tokens.create_token(s, SYSTEM, actors.secretariat.username)
        s.commit()
    return secret


@pytest.fixture
def client(engine):
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as test_client:
        yield test_client


def get(client, path, token, **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def document():
    return create_api(lambda: None).openapi()  # type: ignore[arg-type, return-value]


def resolved(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def page_schema(document, path):
    answer = document["paths"][path]["get"]["responses"]["200"]
    return resolved(document, answer["content"]["application/json"]["schema"])


def item_schema(document, path):
    return resolved(document, page_schema(document, path)["properties"]["items"]["items"])


@pytest.mark.parametrize("path", LISTS)
def test_each_list_documents_a_page_of_items_with_exactly_the_answers_keys(
    client, token, document, path
):
    page = page_schema(document, path)
    assert list(page["properties"]) == ["total", "limit", "offset", "items"]
    assert set(page["required"]) == set(page["properties"])
    answer = get(client, path, token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body) == list(page["properties"]) and body["items"]
    properties = item_schema(document, path)["properties"]
    for item in body["items"]:
        assert list(item) == list(properties)
    # The CSV answer with codes has the same columns, in the same order; with labels (the
    # default) they are headed with the items' titles.
    assert "text/csv" in document["paths"][path]["get"]["responses"]["200"]["content"]
    rows = get(client, path, token, format="csv", codes=1).text.lstrip("\ufeff")
    assert next(csv.reader(io.StringIO(rows))) == list(properties)
    labelled = next(csv.reader(io.StringIO(get(client, path, token, format="csv").text[1:])))
    # (A firm's 都道府県コード is its prefecture by name there, headed 都道府県.)
    titles = [s["title"] for s in properties.values() if s["title"] != "都道府県コード"]
    assert [header for header in labelled if header in titles] == titles


@pytest.mark.parametrize("path", LISTS)
def test_the_items_are_the_table_rows_as_before(client, token, engine, path):
    """Serialised through the read shape, an item is still the row's every column, with the
    same values as the table model's own dump (what the lists answered before)."""
    table, _ = LISTS[path]
    items = get(client, path, token).json()["items"]
    with Session(engine) as s:
        rows = {row.id: row for row in s.exec(select(table))}
        assert items == [jsonable_encoder(rows[item["id"]].model_dump()) for item in items]
    coded = get(client, path, token, format="csv", codes=1).text[1:]
    csv_rows = list(csv.DictReader(io.StringIO(coded)))
    assert [row["id"] for row in csv_rows] == [str(item["id"]) for item in items]


def test_titles_are_the_declared_terms(document):
    firm = item_schema(document, "/firms")["properties"]
    assert firm["name"]["title"] == "企業名"
    assert firm["prefecture_code"] == firm["prefecture_code"] | {
        "title": "都道府県コード",
        "description": "JIS X 0401 2桁",
    }
    assert firm["employees"]["description"] == "単位: 人"
    # Declared after the API was written, and named nowhere in crm/api.
    assert firm["sales_band"]["title"] == "売上高帯"
    for code, label in SalesBand.labels().items():
        assert f"{code}={label}" in firm["sales_band"]["description"]
    assert (firm["id"]["title"], firm["version"]["title"]) == ("企業ID", "版")
    assert (firm["created_at"]["title"], firm["updated_at"]["title"]) == ("登録日時", "更新日時")
    consultation = item_schema(document, "/consultations")["properties"]
    assert consultation["channel"]["title"] == "相談経路"
    assert "visit=企業訪問" in consultation["channel"]["description"]
    assert item_schema(document, "/needs")["properties"]["status"]["title"] == "状況"


@pytest.mark.parametrize("path", LISTS)
def test_every_declared_field_is_in_the_item_schema_with_its_term(document, path):
    table, fields = LISTS[path]
    properties = item_schema(document, path)["properties"]
    for declared_field in [*declared(fields), *declared(table)]:
        assert properties[declared_field.name]["title"] == declared_field.spec.term
    # Every column of the table, and each titled in Japanese (not by its name).
    assert list(properties) == list(table.model_fields)
    assert all(not p["title"].isascii() for p in properties.values())


def test_a_declared_field_needs_no_api_code():
    api_source = "\n".join(
        path.read_text(encoding="utf-8") for path in Path(crm.api.__file__).parent.glob("*.py")
    )
    assert "sales_band" not in api_source and "売上高帯" not in api_source

    class Widened(CompanyFields):
        """A firm with one more field, declared as any other."""

        founded_year: Annotated[int | None, Spec("設立年", note="西暦", unit="年")] = None

    properties = read_shape(Widened).model_json_schema()["properties"]
    assert list(properties)[-1] == "founded_year"
    assert properties["founded_year"]["title"] == "設立年"
    assert properties["founded_year"]["description"] == "西暦。単位: 年"
