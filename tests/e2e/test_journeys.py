"""Workshops of journeys against a running server: adding journeys, listing them, one set of
links per workshop, structured personas and their pictures (issue #27)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import pytest
from PIL import Image
from pycrdt import Map, Text

from conftest import ServerProcess
from journeyboard.sync.close_codes import CLOSE
from ysync import YClient, synced_client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Workshop:
    """A board (the workshop's root journey) with a facilitator and a participant."""

    def __init__(self, server: ServerProcess, title: str = "Motor claim") -> None:
        self.server = server
        created = server.create_board(title)
        self.id: str = created["id"]
        self.links: dict[str, str] = created["tokens"]
        self.lead = server.join(self.links["facilitator"], "Fay", "CX")["token"]
        self.ann = server.join(self.links["participant"], "Ann", "Claims")["token"]

    def post(self, board: str, token: str, path: str, body: Any) -> httpx.Response:
        return httpx.post(
            f"{self.server.http}/api/boards/{board}/{path}", json=body, headers=auth(token)
        )

    def get(self, board: str, token: str, path: str = "") -> httpx.Response:
        url = f"{self.server.http}/api/boards/{board}" + (f"/{path}" if path else "")
        return httpx.get(url, headers=auth(token))

    def add(self, board: str | None = None, **body: Any) -> dict[str, Any]:
        response = self.post(board or self.id, self.lead, "journeys", body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def journeys(self, token: str | None = None, board: str | None = None) -> dict[str, Any]:
        response = self.get(board or self.id, token or self.ann, "journeys")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def command(self, board: str, token: str, **body: Any) -> httpx.Response:
        return self.post(board, token, "commands", body)

    def stages(self, board: str) -> dict[str, Any]:
        return dict(self.server.get_board(board, self.lead)["content"]["stages"])

    def refused(self, response: httpx.Response, status: int, code: str) -> None:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code, response.text


@pytest.fixture
def workshop(server: ServerProcess) -> Workshop:
    return Workshop(server)


async def add_cards(url: str, cards: dict[str, dict[str, Any]]) -> None:
    async with synced_client(url) as writer:

        def add(doc: Any) -> None:
            target = doc.get("cards", type=Map)
            for key, fields in cards.items():
                target[key] = Map({**fields, "text": Text(fields.get("text", key))})

        await writer.change(add)
        await writer.round_trip()


def test_a_board_is_a_workshop_of_one_journey(workshop: Workshop) -> None:
    listed = workshop.journeys()
    assert listed["workshop"] == workshop.id
    [root] = listed["journeys"]
    assert root["id"] == workshop.id
    assert root["relation"] == "root"
    assert root["parent"] is None and root["stage"] is None
    assert root["phase"] == "lobby"
    assert root["counts"] == {"cards": 0, "pains": 0, "solutions": 0}


def test_persona_detail_and_to_be_journeys(workshop: Workshop, server: ServerProcess) -> None:
    root_stages = workshop.stages(workshop.id)
    first, second = sorted(root_stages, key=lambda s: root_stages[s]["pos"])[:2]
    asyncio.run(
        add_cards(
            server.url(workshop.id, workshop.ann),
            {
                "f1": {"kind": "feeling", "stage": first, "emotion": -2},
                "f2": {"kind": "feeling", "stage": first, "emotion": 1},
                "f3": {"kind": "feeling", "stage": second, "emotion": 3},
                "p1": {"kind": "pain", "stage": first},
                "s1": {"kind": "solution", "stage": first, "pain": "p1"},
            },
        )
    )
    persona = workshop.add(relation="persona", persona={"name": "Young driver", "quote": "Fast"})
    assert persona["relation"] == "persona" and persona["parent"] == workshop.id
    assert persona["workshop"] == workshop.id and persona["stage"] is None
    assert workshop.stages(persona["id"]) == root_stages  # the same stages, copied
    detail = workshop.add(relation="detail", stage=first, title="Reporting the damage")
    assert detail["parent"] == workshop.id and detail["stage"] == first
    assert workshop.stages(detail["id"]) == {}
    to_be = workshop.add(relation="to_be")
    assert to_be["parent"] == workshop.id
    copied = server.get_board(to_be["id"], workshop.lead)
    assert copied["content"]["stages"] == root_stages
    assert set(copied["content"]["cards"]) == {"f1", "f2", "f3", "p1", "s1"}
    assert copied["content"]["cards"]["f1"]["text"] == "f1"
    assert copied["session"]["votes"] == {} and copied["session"]["ratings"] == {}
    # A to-be journey of the persona variant: its parent is the journey it was asked on.
    persona_to_be = workshop.add(persona["id"], relation="to_be")
    assert persona_to_be["parent"] == persona["id"]
    listed = workshop.journeys()["journeys"]
    by_id = {j["id"]: j for j in listed}
    assert listed[0]["id"] == workshop.id
    assert by_id[workshop.id]["counts"] == {"cards": 5, "pains": 1, "solutions": 1}
    assert by_id[workshop.id]["emotion"] == {first: -0.5, second: 3}
    assert by_id[persona["id"]]["relation"] == "persona"
    assert by_id[persona["id"]]["persona"] == {"name": "Young driver", "quote": "Fast"}
    assert by_id[persona["id"]]["title"] == "Motor claim: Young driver"
    assert by_id[detail["id"]]["title"] == "Reporting the damage"
    assert by_id[detail["id"]]["stage"] == first
    assert by_id[to_be["id"]]["counts"] == {"cards": 5, "pains": 1, "solutions": 1}
    assert by_id[to_be["id"]]["relation"] == "to_be"
    # The session document of a journey says where it sits.
    session = server.get_board(detail["id"], workshop.lead)["session"]["board"]
    assert session["workshop"] == workshop.id
    assert session["relation"] == "detail" and session["parent"] == workshop.id
    assert session["stage"] == first


def test_refusals(workshop: Workshop, server: ServerProcess) -> None:
    # 403: a participant, a viewer link
    workshop.refused(
        workshop.post(workshop.id, workshop.ann, "journeys", {"relation": "persona"}),
        403,
        "forbidden",
    )
    workshop.refused(
        workshop.post(workshop.id, workshop.links["viewer"], "journeys", {"relation": "to_be"}),
        403,
        "forbidden",
    )
    # 400: bad bodies
    for body in (
        {"relation": "sibling"},
        {},
        {"relation": "persona", "extra": 1},
        {"relation": "detail"},
        {"relation": "persona", "stage": "x"},
        {"relation": "persona", "persona": {"name": 5}},
    ):
        response = workshop.post(workshop.id, workshop.lead, "journeys", body)
        assert response.status_code == 400, (body, response.text)
    # 404: an unknown stage, an unknown journey
    workshop.refused(
        workshop.post(
            workshop.id, workshop.lead, "journeys", {"relation": "detail", "stage": "nope"}
        ),
        404,
        "unknown_stage",
    )
    workshop.refused(
        workshop.post("NoSuchJourney", workshop.lead, "journeys", {"relation": "persona"}),
        401,
        "unauthorized",
    )
    # 409: the 51st journey
    for _ in range(49):
        workshop.add(relation="persona")
    assert len(workshop.journeys()["journeys"]) == 50
    workshop.refused(
        workshop.post(workshop.id, workshop.lead, "journeys", {"relation": "to_be"}),
        409,
        "too_many_journeys",
    )


def participants(server: ServerProcess, board: str, token: str) -> dict[str, Any]:
    return dict(server.get_board(board, token)["session"]["participants"])


async def socket_close(url: str) -> int | None:
    client = YClient(url)
    await client.connect()
    return await client.wait_closed()


def test_one_set_of_links_serves_every_journey(workshop: Workshop, server: ServerProcess) -> None:
    journey = workshop.add(relation="persona")["id"]
    # A link of the root opens the journey with its role, and a join there is a workshop person.
    assert workshop.get(journey, workshop.links["viewer"]).json()["role"] == "viewer"
    assert workshop.get(journey, workshop.links["participant"]).json()["role"] == "participant"
    bo = server.join(workshop.links["participant"], "Bo", "Sales")
    assert bo["participant_id"] in participants(server, workshop.id, workshop.lead)
    response = httpx.post(
        f"{server.http}/api/boards/{journey}/join",
        json={"name": "Cy"},
        headers=auth(workshop.links["participant"]),
    )
    assert response.status_code == 201, response.text
    cy = response.json()
    assert workshop.get(workshop.id, cy["token"]).json()["role"] == "participant"
    # One person everywhere: the same personal token; listed on a journey once they open it.
    me = {p["name"]: k for k, p in participants(server, workshop.id, workshop.lead).items()}
    assert set(me) >= {"Fay", "Ann", "Bo"}
    listed = participants(server, journey, workshop.lead)
    assert me["Fay"] in listed and cy["participant_id"] in listed  # Fay opened it, Cy joined it
    assert me["Bo"] not in listed and me["Ann"] not in listed

    async def open_it() -> None:
        async with synced_client(server.url(journey, workshop.ann, session=True)) as client:
            await client.wait_until(
                lambda: me["Ann"] in (client.doc.get("participants", type=Map).to_py() or {})
            )

    asyncio.run(open_it())
    entry = participants(server, journey, workshop.lead)[me["Ann"]]
    assert entry["name"] == "Ann" and entry["role"] == "participant"
    assert workshop.get(journey, bo["token"]).json()["id"] == journey  # Bo opens it over HTTP
    assert me["Bo"] in participants(server, journey, workshop.lead)


def test_a_token_of_one_workshop_never_opens_another(server: ServerProcess) -> None:
    first, second = Workshop(server, "First"), Workshop(server, "Second")
    first_journey = first.add(relation="to_be")["id"]
    second_journey = second.add(relation="persona")["id"]
    for mine, theirs, theirs_journey in (
        (first, second, second_journey),
        (second, first, first_journey),
    ):
        tokens = [*mine.links.values(), mine.lead, mine.ann]
        for token in tokens:
            for board in (theirs.id, theirs_journey):
                response = mine.get(board, token)
                assert response.status_code == 401, response.text
                assert response.json()["error"]["code"] == "unauthorized"
                refused = mine.post(board, token, "journeys", {"relation": "to_be"})
                assert refused.status_code == 401, refused.text
                for session in (False, True):
                    code = asyncio.run(socket_close(server.url(board, token, session)))
                    assert code == CLOSE.UNAUTHORIZED.code, (board, session, code)
        assert len(theirs.journeys(theirs.ann)["journeys"]) == 2


def test_rotating_a_link_rotates_it_for_the_whole_workshop(
    workshop: Workshop, server: ServerProcess
) -> None:
    journey = workshop.add(relation="detail", stage=next(iter(workshop.stages(workshop.id))))
    old = workshop.links["participant"]

    async def rotate_while_open() -> tuple[int | None, str]:
        async with synced_client(server.url(journey["id"], old)) as client:
            response = workshop.command(
                workshop.id, workshop.lead, type="rotate_link", role="participant"
            )
            assert response.status_code == 200, response.text
            return await client.wait_closed(), response.json()["result"]["token"]

    code, new = asyncio.run(rotate_while_open())
    assert code == CLOSE.LINK_ROTATED.code
    for board in (workshop.id, journey["id"]):
        workshop.refused(workshop.get(board, old), 401, "link_rotated")
        assert workshop.get(board, new).json()["role"] == "participant"
    links = workshop.get(journey["id"], workshop.lead, "links").json()["links"]
    assert links["participant"].endswith(new)


def test_promote_and_remove_act_on_every_journey(workshop: Workshop, server: ServerProcess) -> None:
    journey = workshop.add(relation="persona")["id"]
    bo = server.join(workshop.links["participant"], "Bo")
    ann_id = next(
        k for k, p in participants(server, workshop.id, workshop.lead).items() if p["name"] == "Ann"
    )
    for token in (workshop.ann, bo["token"]):
        assert workshop.get(journey, token).status_code == 200  # both open the journey
    response = workshop.command(
        journey, workshop.lead, type="promote", participant=bo["participant_id"]
    )
    assert response.status_code == 200, response.text
    assert workshop.get(workshop.id, bo["token"]).json()["role"] == "facilitator"
    for board in (workshop.id, journey):
        assert participants(server, board, workshop.lead)[bo["participant_id"]]["role"] == (
            "facilitator"
        )

    async def remove_while_open() -> int | None:
        async with synced_client(server.url(journey, workshop.ann)) as client:
            response = workshop.command(
                workshop.id, workshop.lead, type="remove", participant=ann_id
            )
            assert response.status_code == 200, response.text
            return await client.wait_closed()

    assert asyncio.run(remove_while_open()) == CLOSE.FORBIDDEN.code
    for board in (workshop.id, journey):
        workshop.refused(workshop.get(board, workshop.ann), 403, "forbidden")
        assert participants(server, board, workshop.lead)[ann_id]["removed"] is True


def picture_bytes(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 0).save(out, format=fmt, **save)
    return out.getvalue()


def upload(workshop: Workshop, board: str, token: str, body: bytes) -> httpx.Response:
    return httpx.post(
        f"{workshop.server.http}/api/boards/{board}/persona/picture",
        content=body,
        headers={**auth(token), "Content-Type": "application/octet-stream"},
        timeout=30,
    )


def test_structured_personas(workshop: Workshop) -> None:
    journey = workshop.add(relation="persona", persona="Senior")["id"]
    persona = {
        "name": "Senior driver",
        "quote": "I want a person on the phone",
        "description": "Drives twice a week",
        "goals": ["Be told what happens next", " "],
        "frustrations": ["Forms"],
        "attributes": {"age_band": "65+", "segment": "Private", "frequency": "Yearly"},
    }
    url = f"{workshop.server.http}/api/boards/{journey}/persona"
    response = httpx.put(url, json=persona, headers=auth(workshop.lead))
    assert response.status_code == 200, response.text
    stored = {**persona, "goals": ["Be told what happens next"]}
    assert response.json()["persona"] == stored
    [entry] = [j for j in workshop.journeys()["journeys"] if j["id"] == journey]
    assert entry["persona"] == stored
    board = workshop.server.get_board(journey, workshop.ann)["session"]["board"]
    assert board["persona"] == "Senior driver" and board["persona_profile"] == stored
    refused = httpx.put(url, json=persona, headers=auth(workshop.ann))
    workshop.refused(refused, 403, "forbidden")
    for bad in (
        {"name": "x" * 81},
        {"goals": "one"},
        {"goals": ["g"] * 21},
        {"attributes": {"age": "1"}},
        [],
    ):
        response = httpx.put(url, json=bad, headers=auth(workshop.lead))
        workshop.refused(response, 400, "invalid_body")


def test_persona_pictures(workshop: Workshop, server: ServerProcess) -> None:
    journey = workshop.add(relation="persona")["id"]
    url = f"{server.http}/api/boards/{journey}/persona/picture"
    assert httpx.get(url, headers=auth(workshop.ann)).status_code == 404
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {2: (59.0, 20.0, 0.0)}  # GPS
    photo = picture_bytes((2000, 1000), "JPEG", exif=exif.tobytes(), comment=b"secret")
    response = upload(workshop, journey, workshop.lead, photo)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["media_type"] in ("image/webp", "image/png")
    assert (answer["width"], answer["height"]) == (512, 256)
    served = httpx.get(url, headers=auth(workshop.ann))
    assert served.status_code == 200
    assert served.headers["content-type"] == answer["media_type"]
    assert len(served.content) == answer["bytes"]
    assert b"SecretCamera" not in served.content and b"secret" not in served.content
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (512, 256)
        assert not image.getexif() and "icc_profile" not in image.info
    [entry] = [j for j in workshop.journeys()["journeys"] if j["id"] == journey]
    assert entry["persona"]["picture"] is True
    # Refusals: a participant, not a picture, a decompression bomb, no token, another workshop.
    workshop.refused(upload(workshop, journey, workshop.ann, photo), 403, "forbidden")
    workshop.refused(upload(workshop, journey, workshop.lead, b"<svg/>"), 400, "not_a_picture")
    workshop.refused(upload(workshop, journey, workshop.lead, b""), 400, "not_a_picture")
    bomb = picture_bytes((10_000, 10_000), "PNG", mode="1")
    assert len(bomb) < 100_000
    workshop.refused(upload(workshop, journey, workshop.lead, bomb), 413, "decompression_bomb")
    assert httpx.get(url).status_code == 401
    other = Workshop(server, "Other")
    assert httpx.get(url, headers=auth(other.lead)).status_code == 401
    assert upload(workshop, journey, other.lead, photo).status_code == 401
    # The last good picture is still the one served.
    assert httpx.get(url, headers=auth(workshop.ann)).content == served.content


def test_the_vote_budget_is_per_journey(workshop: Workshop, server: ServerProcess) -> None:
    to_be = workshop.add(relation="to_be")["id"]
    for board in (workshop.id, to_be):
        asyncio.run(add_cards(server.url(board, workshop.ann), {"pain": {"kind": "pain"}}))
        response = workshop.command(board, workshop.lead, type="set_phase", phase="pain_points")
        assert response.status_code == 200, response.text
    for _ in range(3):
        response = workshop.command(workshop.id, workshop.ann, type="vote", card="pain", delta=1)
        assert response.status_code == 200, response.text
    refused = workshop.command(workshop.id, workshop.ann, type="vote", card="pain", delta=1)
    assert refused.status_code == 409, refused.text
    assert workshop.get(workshop.id, workshop.ann, "me").json()["remaining"] == 0
    assert workshop.get(to_be, workshop.ann, "me").json()["remaining"] == 3
    response = workshop.command(to_be, workshop.ann, type="vote", card="pain", delta=1)
    assert response.status_code == 200, response.text
    assert workshop.get(to_be, workshop.ann, "me").json()["votes"] == {"pain": 1}


def test_the_json_export_and_import_round_trip_a_workshop(
    workshop: Workshop, server: ServerProcess
) -> None:
    stage = next(iter(workshop.stages(workshop.id)))
    asyncio.run(
        add_cards(
            server.url(workshop.id, workshop.ann),
            {"f": {"kind": "feeling", "stage": stage, "emotion": 2}, "p": {"kind": "pain"}},
        )
    )
    persona = workshop.add(relation="persona", persona={"name": "Young", "goals": ["Fast"]})["id"]
    assert upload(workshop, persona, workshop.lead, picture_bytes((80, 40))).status_code == 201
    detail = workshop.add(relation="detail", stage=stage, title="Reporting")["id"]
    to_be = workshop.add(detail, relation="to_be")["id"]
    response = workshop.get(to_be, workshop.ann, "export.json")
    assert response.status_code == 200, response.text
    exported = response.json()
    assert exported["source_board"] == workshop.id  # the root's export, with the workshop
    entries = exported["workshop"]["journeys"]
    assert [e["source_board"] for e in entries] == [workshop.id, persona, detail, to_be]
    assert "export" not in entries[0] and entries[1]["picture"]["data"]
    single = workshop.get(to_be, workshop.ann, "export.json?scope=journey").json()
    assert single["source_board"] == to_be and "workshop" not in single

    created = httpx.post(
        f"{server.http}/api/boards", json={"title": "Copy", "import": exported}, timeout=30
    )
    assert created.status_code == 201, created.text
    copy = created.json()
    assert len(copy["journeys"]) == 4 and copy["journeys"][0] == copy["id"]
    token = copy["tokens"]["viewer"]
    before = workshop.journeys()["journeys"]
    response = httpx.get(f"{server.http}/api/boards/{copy['id']}/journeys", headers=auth(token))
    after = response.json()["journeys"]
    ids = dict(zip([j["id"] for j in before], [j["id"] for j in after], strict=True))
    for old, new in zip(before, after, strict=True):
        assert new["relation"] == old["relation"] and new["stage"] == old["stage"]
        assert new["parent"] == (ids[old["parent"]] if old["parent"] else None)
        assert new["counts"] == old["counts"] and new["emotion"] == old["emotion"]
        assert new["persona"] == old["persona"]
        assert new["title"] == old["title"] or new["relation"] == "root"
    picture = httpx.get(
        f"{server.http}/api/boards/{ids[persona]}/persona/picture", headers=auth(token)
    )
    with Image.open(io.BytesIO(picture.content)) as image:
        assert image.size == (80, 40)
    # The copy is a workshop of its own: the original's tokens open none of it.
    assert workshop.get(ids[to_be], workshop.ann).status_code == 401
    # A workshop whose journey names a parent after it is refused.
    broken = {**exported, "workshop": {"journeys": [entries[0], entries[3]]}}
    refused = httpx.post(f"{server.http}/api/boards", json={"title": "X", "import": broken})
    workshop.refused(refused, 400, "invalid_import")


def test_the_report_of_a_workshop_has_a_chapter_per_journey(
    workshop: Workshop, server: ServerProcess
) -> None:
    import xml.etree.ElementTree as ET

    stage_id, stage = next(iter(workshop.stages(workshop.id).items()))
    asyncio.run(
        add_cards(
            server.url(workshop.id, workshop.ann),
            {"f": {"kind": "feeling", "stage": stage_id, "emotion": -2}, "p": {"kind": "pain"}},
        )
    )
    workshop.add(relation="persona", persona="Young <b>driver</b>")
    workshop.add(relation="detail", stage=stage_id, title="Reporting <script>x</script>")
    markdown = workshop.get(workshop.id, workshop.ann, "export.md")
    assert markdown.status_code == 200, markdown.text
    text = markdown.text
    assert text.startswith("# Motor claim: the workshop's journeys")
    assert text.count("\n---\n") == 3
    assert "| Detailed journey | Motor claim: " in text and stage["name"] in text
    assert f"{stage['name']} \u22122.0" in text  # the root's curve (a minus sign)
    html = workshop.get(workshop.id, workshop.ann, "export.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    tree = ET.fromstring(html.content)  # well-formed XML, user text escaped
    body = ET.tostring(tree, encoding="unicode")
    assert body.count('class="chapter"') == 3
    assert "<script>" not in html.text and "&lt;script&gt;" in html.text
    single = workshop.get(workshop.id, workshop.ann, "export.md?scope=journey").text
    assert "the workshop's journeys" not in single and single.startswith("# Motor claim")
    pdf = httpx.get(
        f"{server.http}/api/boards/{workshop.id}/export.pdf",
        headers=auth(workshop.ann),
        timeout=180,
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_workshop_report_is_written_in_the_export_language(
    workshop: Workshop, server: ServerProcess
) -> None:
    stage_id, stage = next(iter(workshop.stages(workshop.id).items()))
    asyncio.run(
        add_cards(
            server.url(workshop.id, workshop.ann),
            {"f": {"kind": "feeling", "stage": stage_id, "emotion": 1}},
        )
    )
    workshop.add(relation="persona", persona="Young driver")
    workshop.add(relation="detail", stage=stage_id, title="Reporting")
    expected = {
        "sv": ("workshopens kundresor", "Detaljerad resa", "Kundresa", "+1,0"),
        "nb": ("workshopens kundereiser", "Detaljert reise", "Kundereise", "+1,0"),
        "da": ("workshoppens kunderejser", "Detaljeret rejse", "Kunderejse", "+1,0"),
        "en": ("the workshop's journeys", "Detailed journey", "Journey", "+1.0"),
    }
    for language, words in expected.items():
        markdown = workshop.get(workshop.id, workshop.ann, f"export.md?lang={language}")
        assert markdown.status_code == 200, markdown.text
        assert all(word in markdown.text for word in words), (language, markdown.text[:600])
        assert f"{stage['name']} {words[3]}" in markdown.text
        html = workshop.get(workshop.id, workshop.ann, f"export.html?lang={language}").text
        assert f'lang="{language}"' in html and words[0] in html
    swedish = workshop.get(workshop.id, workshop.ann, "export.md?lang=sv").text
    assert "Smärtpunkter" in swedish  # the chapters' headings too


def test_the_listing_names_stages_in_order_and_the_top_pains(
    workshop: Workshop, server: ServerProcess
) -> None:
    root_stages = workshop.stages(workshop.id)
    ordered = sorted(root_stages, key=lambda s: (root_stages[s]["pos"], s))
    first, second = ordered[:2]
    asyncio.run(
        add_cards(
            server.url(workshop.id, workshop.ann),
            {
                "pa": {"kind": "pain", "stage": second, "text": "Waiting <b>on hold</b>"},
                "pb": {"kind": "pain", "stage": first, "text": "Forms"},
                "pc": {"kind": "pain", "stage": second, "text": "No status"},
                "pd": {"kind": "pain", "stage": second, "text": "Lost papers"},
            },
        )
    )
    root = workshop.journeys()["journeys"][0]
    assert [s["id"] for s in root["stages"]] == ordered
    assert [s["name"] for s in root["stages"]] == [root_stages[s]["name"] for s in ordered]
    # Blind: in map order, no counts.
    assert root["top_pains"][0]["text"] == "Forms"
    assert all(p["votes"] is None for p in root["top_pains"]) and len(root["top_pains"]) == 3
    for phase in ("discovery", "pain_points"):
        response = workshop.command(workshop.id, workshop.lead, type="set_phase", phase=phase)
        assert response.status_code == 200, response.text
    for card in ("pd", "pd", "pc"):
        response = workshop.command(workshop.id, workshop.ann, type="vote", card=card, delta=1)
        assert response.status_code == 200, response.text
    assert all(p["votes"] is None for p in workshop.journeys()["journeys"][0]["top_pains"])
    response = workshop.command(workshop.id, workshop.lead, type="reveal", what="votes")
    assert response.status_code == 200, response.text
    pains = workshop.journeys()["journeys"][0]["top_pains"]
    assert pains == [
        {"text": "Lost papers", "votes": 2},
        {"text": "No status", "votes": 1},
        {"text": "Forms", "votes": 0},
    ]


def test_bring_everyone_to_me_names_the_leaders_journey_on_every_journey(
    workshop: Workshop,
) -> None:
    persona = workshop.add(relation="persona", persona="Young driver")["id"]
    response = workshop.command(persona, workshop.lead, type="follow", on=True)
    assert response.status_code == 200, response.text
    for board in (workshop.id, persona):
        follow = workshop.get(board, workshop.ann).json()["session"]["session"]["follow"]
        assert follow["journey"] == persona and follow["name"] == "Fay", board
    response = workshop.command(workshop.id, workshop.lead, type="follow", on=False)
    assert response.status_code == 200, response.text
    for board in (workshop.id, persona):
        assert workshop.get(board, workshop.ann).json()["session"]["session"]["follow"] is None
