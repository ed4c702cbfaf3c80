"""The board hands out the join link with this machine's address and a QR code: a board opened at
localhost still gives the room's address, a server answering this machine only is reported, a typed
address is checked, and the QR code is an image (nothing typed is rendered as markdown)."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from streamlit.testing.v1 import AppTest

from app_pages._workshop import FACILITATOR
from sim.workshop.join_link import JoinBase, checked_base, join_base, join_url, qr_png
from sim.workshop.store import Store

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_a_board_opened_at_localhost_hands_out_the_machines_address():
    assert join_base("http://localhost:8501", "0.0.0.0", 8501, "192.168.1.20") == \
        JoinBase("http://192.168.1.20:8501", True)
    assert join_base("http://127.0.0.1:9000", "127.0.0.1", 8501, "10.0.0.5") == \
        JoinBase("http://10.0.0.5:9000", False)           # served to this machine only: reported
    assert join_base("https://sim.dept.example.edu", "0.0.0.0", 8501, "10.0.0.5") == \
        JoinBase("https://sim.dept.example.edu", True)    # a hosted server keeps its own name
    assert join_base(None, "0.0.0.0", 8501, "127.0.0.1").url == "http://THIS-MACHINE:8501"


@pytest.mark.parametrize("typed", ["javascript:alert(1)", "http://", "http://host:8501/x?y=1",
                                   "http://a b", "ftp://host", "http://host:99999", "x" * 300])
def test_a_typed_address_that_is_not_a_server_address_is_refused(typed):
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        checked_base(typed)


def test_the_join_link_and_its_qr_code():
    url = join_url(checked_base(" http://10.0.0.5:8501/ "), "ABC234")
    assert url == "http://10.0.0.5:8501/workshop_team?join=ABC234"
    png = qr_png(url)
    assert png.startswith(b"\x89PNG") and len(png) > 200
    assert segno.make(url, error="m", micro=False).designator   # a full QR code, readable by any phone


def test_the_board_shows_the_link_and_the_qr_code_and_says_when_phones_cannot_reach_it(db_path):
    workshop, key = Store(db_path).create_workshop("1-price-of-a-deal")
    board = AppTest.from_file(str(APP), default_timeout=30).switch_page("app_pages/workshop_board.py")
    board.session_state[FACILITATOR] = (workshop.code, key)
    board.run()
    assert not board.exception
    assert any(f"/workshop_team?join={workshop.code}" in c.value for c in board.code)
    assert len(board.get("image")) == 1
    assert any("--server.address 0.0.0.0" in w.value for w in board.warning)   # config: 127.0.0.1
    board.text_input(key="join_base").input("**bold** <b>x</b>").run()
    assert any("http://HOST:PORT" in e.value for e in board.error)
    assert not any("bold" in c.value for c in board.code)
    board.text_input(key="join_base").input("http://192.168.4.7:8501").run()
    assert any(c.value == f"http://192.168.4.7:8501/workshop_team?join={workshop.code}" for c in board.code)


def test_the_readme_and_the_guide_say_how_to_serve_a_class():
    root = APP.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    guide = (root / "docs" / "workshop.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200 and "docs/workshop.md#serving-a-class" in readme
    section = guide.split("## Serving a class", 1)[1].split("\n## ", 1)[0]
    for needed in ("streamlit run serve.py --server.address 0.0.0.0", "127.0.0.1", "QR code", "firewall",
                   "isolat", "Hosted", "ALLIANCE_WORKSHOP_DB", "volume"):
        assert needed in section, needed
    assert "streamlit run app.py" not in guide and "streamlit run app.py" not in readme
