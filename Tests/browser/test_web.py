"""The web app in real Chromium (headless, Selenium): two people in two browsers chat through `parley serve`.

Run by scripts/test after scripts/build-web; screenshots go to $SCREENSHOT_DIR (default /tmp/parley-screenshots)
and are listed in the output.
"""

from __future__ import annotations

import os
import secrets
import struct
import time
import zlib
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from blackbox_conftest import REPO_ROOT, spawn_parley, start_server, stop_process, stop_server, wait_for_port

WAIT = 15
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/parley-screenshots"))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG, for the upload."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def browser(width: int = 1280, height: int = 800) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_window_size(width, height)
    return driver


def wait(driver, condition, timeout: float = WAIT, message: str = ""):
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def find(driver, css: str, timeout: float = WAIT):
    return wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, css), timeout, f"no {css}")


def text_appears(driver, css: str, text: str, timeout: float = WAIT):
    return wait(driver, lambda d: any(text in e.text for e in d.find_elements(By.CSS_SELECTOR, css)), timeout,
                f"{text!r} never appeared in {css}")


def bubble(driver, text: str):
    """The message row whose text contains `text`."""
    return wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".bubble-row") if text in e.text), None),
                WAIT, f"no message {text!r}")


def shoot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")


def no_serious_violations(driver, page: str) -> None:
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{page}: " + "; ".join(
        f"{v['id']}: {v['help']} at {[node['target'] for node in v['nodes']]}" for v in serious)


def register(driver, base: str, name: str) -> str:
    username = f"{name.lower()}_{secrets.token_hex(4)}"
    driver.get(base + "/register")
    find(driver, "input[name=name]").send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "input[name=username]").send_keys(username)
    driver.find_element(By.CSS_SELECTOR, "input[name=email]").send_keys(f"{username}@example.com")
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys("correct-horse-1")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver, lambda d: d.current_url.endswith("/chats"), message="registration did not land on /chats")
    find(driver, ".sidebar")
    return username


def send(driver, text: str) -> None:
    box = find(driver, "#composer-input")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def open_menu(driver, text: str):
    row = bubble(driver, text)
    row.find_element(By.CSS_SELECTOR, ".bubble-menu > button").click()
    return row


class Server:
    """`parley serve` on a fixed port and data folder, so that it can be stopped and started again."""

    def __init__(self, parley_bin: Path):
        self.first = start_server(parley_bin, "embedded", {"WEB_DIR": str(REPO_ROOT / "web" / "dist")})
        self.url = self.first.url
        self.port = int(self.url.rsplit(":", 1)[1])
        self.argv = list(self.first.proc.args)
        self.env = dict(os.environ, **{k: v for k, v in _env_of(self.first).items()})
        self.proc = self.first.proc

    def restart(self, down_for: float, while_down=lambda: None) -> None:
        stop_process(self.proc)
        while_down()
        time.sleep(down_for)
        log = self.first.log.with_name("parley-restarted.log")
        self.proc = spawn_parley(self.argv, log, self.first.log.parent, self.env)
        wait_for_port(self.proc, self.port, "parley (restarted)", log)

    def stop(self) -> None:
        stop_process(self.proc)
        stop_server(self.first)


def _env_of(server) -> dict:
    environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in environ if b"=" in item)


@pytest.fixture(scope="module")
def app(parley_bin):
    if not (REPO_ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run scripts/build-web", pytrace=False)
    server = Server(parley_bin)
    yield server
    server.stop()


def test_two_people_chat_in_two_browsers(app, tmp_path):
    base = app.url
    alice, bob = browser(), browser()
    try:
        alice.get(base + "/login")
        find(alice, "form.card")
        shoot(alice, "desktop-login")
        no_serious_violations(alice, "login")

        register(alice, base, "Alice")
        bob_username = register(bob, base, "Bob")

        # Alice finds Bob and starts a direct chat.
        find(alice, "#user-search").send_keys(bob_username)
        wait(alice, lambda d: d.find_element(By.CSS_SELECTOR, f"button[aria-label='Message Bob']")).click()
        wait(alice, lambda d: "/chats/" in d.current_url)
        send(alice, "Hello Bob 👋")
        text_appears(alice, ".bubble", "Hello Bob")

        # Bob sees the chat arrive with an unread badge, opens it, and Alice's ticks turn to read.
        item = wait(bob, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".chat-item") if "Alice" in e.text), None))
        find(bob, ".chat-item .badge")
        shoot(bob, "desktop-chat-list")
        no_serious_violations(bob, "chat list")
        item.find_element(By.CSS_SELECTOR, "a").click()
        text_appears(bob, ".bubble", "Hello Bob")
        wait(alice, lambda d: bubble(d, "Hello Bob").find_elements(By.CSS_SELECTOR, ".ticks.read"), message="never read")

        # Typing shows on the other side.
        find(bob, "#composer-input").send_keys("Hi Al")
        text_appears(alice, ".chat-status", "typing")
        find(bob, "#composer-input").send_keys("ice!" + Keys.ENTER)
        text_appears(alice, ".bubble", "Hi Alice!")

        # A reaction, an edit, a reply, a delete for everyone.
        open_menu(alice, "Hi Alice!")
        find(alice, "button[aria-label='React 👍']").click()
        wait(bob, lambda d: "👍" in bubble(d, "Hi Alice!").text, message="reaction not seen")

        open_menu(alice, "Hello Bob")
        wait(alice, lambda d: next(e for e in d.find_elements(By.CSS_SELECTOR, ".menu button") if e.text == "Edit")).click()
        box = find(alice, "#composer-input")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("Hello again Bob" + Keys.ENTER)
        wait(bob, lambda d: "edited" in bubble(d, "Hello again Bob").text, message="edit not seen")

        open_menu(bob, "Hello again Bob")
        wait(bob, lambda d: next(e for e in d.find_elements(By.CSS_SELECTOR, ".menu button") if e.text == "Reply")).click()
        send(bob, "Replying to you")
        wait(alice, lambda d: bubble(d, "Replying to you").find_elements(By.CSS_SELECTOR, ".quote"), message="reply quote not seen")

        send(alice, "Oops, wrong chat")
        bubble(bob, "Oops, wrong chat")
        open_menu(alice, "Oops, wrong chat")
        wait(alice, lambda d: next(e for e in d.find_elements(By.CSS_SELECTOR, ".menu button") if e.text == "Delete for everyone")).click()
        wait(bob, lambda d: not any("Oops" in e.text for e in d.find_elements(By.CSS_SELECTOR, ".bubble")), message="delete not seen")

        # An image, uploaded with a progress bar, shown on both sides.
        image = tmp_path / "square.png"
        image.write_bytes(png(64, 64, (11, 110, 79)))
        alice.find_element(By.CSS_SELECTOR, "#composer-file").send_keys(str(image))
        for driver in (alice, bob):
            wait(driver, lambda d: any(e.get_attribute("naturalWidth") == "64" for e in d.find_elements(By.CSS_SELECTOR, "img.media-image")),
                 message="image not shown")
        shoot(bob, "desktop-chat-view")
        no_serious_violations(bob, "chat view")

        # A reload keeps the session (refresh cookie) and the history.
        alice.refresh()
        text_appears(alice, ".bubble", "Replying to you")

        # The server goes away; a message sent meanwhile waits and arrives once it is back.
        def send_while_down() -> None:
            send(alice, "Sent while the server was down")
            bubble(alice, "Sent while the server was down")
        app.restart(down_for=1.0, while_down=send_while_down)
        bubble(bob, "Sent while the server was down")
        wait(alice, lambda d: not bubble(d, "Sent while the server was down").find_elements(By.CSS_SELECTOR, ".bubble.sending, .bubble.failed"),
             timeout=30, message="the optimistic message never resolved")
        assert sum("Sent while the server was down" in e.text for e in bob.find_elements(By.CSS_SELECTOR, ".bubble")) == 1
    finally:
        alice.quit()
        bob.quit()


def test_phone_layout_and_the_other_pages(app, tmp_path):
    """One pane at a time on a phone; profile and settings pass axe too."""
    import requests
    dave = f"dave_{secrets.token_hex(4)}"
    r = requests.post(app.url + "/api/auth/register", timeout=10,
                      json={"username": dave, "email": f"{dave}@example.com", "password": "correct-horse-1", "name": "Dave"})
    assert r.status_code == 201, r.text
    phone = browser(390, 844)
    try:
        phone.get(app.url + "/login")
        find(phone, "form.card")
        shoot(phone, "phone-login")
        register(phone, app.url, "Carol")
        find(phone, "#user-search").send_keys(dave)
        wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "button[aria-label='Message Dave']")).click()
        send(phone, "Hi Dave, from a phone")
        text_appears(phone, ".bubble", "from a phone")
        assert not phone.find_element(By.CSS_SELECTOR, ".sidebar").is_displayed(), "a phone shows the chat alone"
        shoot(phone, "phone-chat-view")
        find(phone, "button.back").click()
        wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, ".sidebar").is_displayed())
        text_appears(phone, ".chat-item", "Dave")
        shoot(phone, "phone-chat-list")
        no_serious_violations(phone, "phone chat list")
        # Block Dave from the chat; Settings lists him, and unblocks him.
        phone.get(phone.current_url)
        wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, ".chat-item a")).click()
        find(phone, "button.block-user").click()
        phone.switch_to.alert.accept()
        text_appears(phone, ".toast", "is blocked")
        for page in ["profile", "settings"]:
            phone.get(f"{app.url}/{page}")
            find(phone, f"#{page}-title")
            no_serious_violations(phone, page)
        find(phone, "button[aria-label='Unblock Dave']").click()
        text_appears(phone, ".card", "Nobody is blocked")
        # A profile picture and a name change are saved and shown.
        phone.get(app.url + "/profile")
        picture = tmp_path / "me.png"
        picture.write_bytes(png(48, 48, (120, 40, 160)))
        find(phone, "#avatar-file").send_keys(str(picture))
        text_appears(phone, ".toast", "Picture saved")
        wait(phone, lambda d: any(e.get_attribute("naturalWidth") == "48" for e in d.find_elements(By.CSS_SELECTOR, "img.avatar")),
             message="the new picture is not shown")
        name = wait(phone, lambda d: d.find_element(By.XPATH, "//label[span='Name']/input"))
        name.clear()
        name.send_keys("Carol Phone")
        phone.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
        text_appears(phone, ".toast", "Profile saved")
    finally:
        phone.quit()


def test_older_messages_load_when_scrolling_up(app):
    """A long history opens at the newest page; scrolling to the top pages in the older ones, in order."""
    import requests

    def account(name: str) -> tuple[str, dict]:
        username = f"{name}_{secrets.token_hex(4)}"
        r = requests.post(app.url + "/api/auth/register", timeout=10,
                          json={"username": username, "email": f"{username}@example.com", "password": "correct-horse-1",
                                "name": name.title()})
        assert r.status_code == 201, r.text
        return f"{username}@example.com", r.json()
    erin_email, erin = account("erin")
    _, frank = account("frank")
    headers = {"Authorization": f"Bearer {frank['accessToken']}"}
    chat = requests.post(app.url + "/api/chats", headers=headers, timeout=10,
                         json={"type": "direct", "participantIds": [erin["user"]["_id"]]}).json()["chat"]
    for n in range(1, 76):
        r = requests.post(f"{app.url}/api/messages/{chat['_id']}", headers=headers, json={"body": f"history {n:02d}"}, timeout=10)
        assert r.status_code == 201, r.text

    driver = browser()
    try:
        driver.get(app.url + "/login")
        find(driver, "input[name=email]").send_keys(erin_email)
        driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys("correct-horse-1" + Keys.ENTER)
        wait(driver, lambda d: d.current_url.endswith("/chats"))
        driver.get(f"{app.url}/chats/{chat['_id']}")
        text_appears(driver, ".bubble", "history 75")
        shown = lambda d: [e.text.split("\n")[0] for e in d.find_elements(By.CSS_SELECTOR, ".bubble .text")]
        assert "history 01" not in shown(driver), "the first page is the newest only"
        at_bottom = "const m = document.querySelector('.messages'); return m.scrollHeight - m.scrollTop - m.clientHeight < 80"
        wait(driver, lambda d: d.execute_script(at_bottom), message="the chat did not open at its newest message")
        for _ in range(10):
            driver.execute_script("document.querySelector('.messages').scrollTop = 0")
            if "history 01" in shown(driver):
                break
            time.sleep(0.5)
        wait(driver, lambda d: "history 01" in shown(d), message="the oldest message never loaded")
        texts = [t for t in shown(driver) if t.startswith("history ")]
        assert texts == [f"history {n:02d}" for n in range(1, 76)], "every message once, oldest first"
    finally:
        driver.quit()
