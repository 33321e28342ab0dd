"""The public web chat in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) on a
360 px phone with WeChat's in-app browser's user agent; axe-core (from the npm registry, installed by
`make install-test`) checks the page. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.answering.engine import Engine
from bot.channels.web.app import create_app
from bot.settings import PROJECT_ROOT, Settings
from bot.state.store import Store, interactions
from tests.helpers.browser import chromium, require_chromium
from tests.helpers.serve import serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]
AXE = PROJECT_ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = PROJECT_ROOT / "test-artifacts" / "web"
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like "
             "Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
             "MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
                         "has_touch": True, "locale": "zh-CN", "user_agent": WECHAT_UA}

require_chromium()

# No time limit on waiting for an answer (Playwright's 0): the test is about what the page shows, not how fast;
# on 2 shared cores under a full CI run an answer has taken over 30 s. An error the page shows instead ends the
# wait at once and fails the test with its text, so a refused request cannot leave the test waiting for ever.
ANSWER_WAIT_MS = 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: Engine) -> Iterator[tuple[str, Store]]:
    tmp = tmp_path_factory.mktemp("web")
    store = Store(f"sqlite:///{tmp / 'web.sqlite3'}")
    web = settings.model_copy(update={"data_dir": tmp, "web_messages_per_minute": 200})
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(create_app(web, engine, store, today=lambda: dt.date(2022, 4, 1))) as base:
        yield base, store


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


# Whether a tap or Enter was taken is known at once: the page shows its "looking it up" bubble synchronously. On a
# loaded machine a tap can land on a page still scrolling to the new message and hit nothing; then nothing is sent
# and a wait for the answer would never end. Such an action is made again (a person taps again), a few times.
SENT_WAIT_MS = 30_000
_SENT = ("document.querySelector('#log .pending') || document.querySelector('#log article.msg.error') || "
         "document.querySelectorAll('#log article.msg.bot:not(.pending)').length > a.bots || "
         "(a.id && (!document.getElementById(a.id) || !document.getElementById(a.id).querySelector('form.options')))")


def _send(page: Any, action: Callable[[], None], options_of: str | None = None) -> None:
    """Do what sends a message (a tap, Enter) until the page shows it was sent or answered; `options_of`: the id of
    the message whose option buttons the action taps (answered when they are gone)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    state = {"bots": _bots(page), "id": options_of}
    for _ in range(3):
        action()
        try:
            page.wait_for_function(f"a => Boolean({_SENT})", arg=state, timeout=SENT_WAIT_MS)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail(f"the page sent nothing after three tries ({page.url})", pytrace=False)


def _last_bot(page: Any) -> Any:
    return page.locator("#log article.msg.bot:not(.pending)").last


def _wait_answer(page: Any, count_before: int) -> Any:
    page.wait_for_function("n => document.querySelectorAll('#log article.msg.bot:not(.pending)').length > n"
                           " || document.querySelector('#log article.msg.error')",
                           arg=count_before, timeout=ANSWER_WAIT_MS)
    _no_error(page)
    return _last_bot(page)


def _no_error(page: Any) -> None:
    errors = page.locator("#log article.msg.error")
    assert errors.count() == 0, f"the page showed an error: {errors.all_inner_texts()}"


def _bots(page: Any) -> int:
    return int(page.locator("#log article.msg.bot:not(.pending)").count())


def test_a_resident_on_a_phone(server: tuple[str, Store], browser: Any) -> None:
    base, store = server
    context = browser.new_context(**PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(base + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.screenshot(path=str(SHOTS / "welcome.png"))

    before = _bots(page)
    _send(page, page.locator("form.chips button", has_text="创投计划申报截止到几号？").tap)
    answer = _wait_answer(page, before)
    assert "4月10日" in answer.locator(".text").inner_text()
    answer.locator("summary").first.tap()  # the quoted passage on tap
    quote = answer.locator("details blockquote").first
    assert quote.is_visible() and len(quote.inner_text()) > 20
    answer.locator("button", has_text="有用").tap()
    page.wait_for_selector(f"#{answer.get_attribute('id')} button[aria-pressed=true]")
    iid = int(page.locator(f"#{answer.get_attribute('id')} input[name=i]").input_value())
    assert store.feedback_for(iid) == [1]
    page.screenshot(path=str(SHOTS / "answer.png"))

    before = _bots(page)
    page.fill("#q", "魏善莊有社工站嗎，能做什麼？")  # traditional characters
    _send(page, lambda: page.press("#q", "Enter"))
    assert "魏善莊鎮" in _wait_answer(page, before).inner_text()  # answered in the asker's characters
    assert page.input_value("#q") == ""

    _send(page, page.locator("form.check button").tap)  # the self-check as buttons
    settled = """() => document.querySelector('#log article.msg.error') || (!document.querySelector('#log .pending')
        && [...document.querySelectorAll('#log button')].every(b => !b.disabled)
        && /第\\d项|初步判断/.test(document.querySelector('#log').lastElementChild.innerText))"""
    for _ in range(12):
        page.wait_for_function(settled, timeout=ANSWER_WAIT_MS)
        _no_error(page)
        options = page.locator("#log > article:last-child form.options")
        if options.count() == 0:
            break
        if not (SHOTS / "check.png").exists():
            page.screenshot(path=str(SHOTS / "check.png"))
        question = page.locator("#log > article:last-child p.text").inner_text()
        labels = options.locator("button").all_inner_texts()
        choice = ("否" if "处罚" in question else "2" if "社工师" in question
                  else next(x for x in ("是", "5年以上", "12") if x in labels))
        asking = page.locator("#log > article:last-child").get_attribute("id")
        _send(page, options.get_by_role("button", name=choice, exact=True).tap, options_of=asking)
        page.wait_for_function("id => document.querySelector('#log article.msg.error') || !document.getElementById(id)"
                               " || !document.getElementById(id).querySelector('form.options')",
                               arg=asking, timeout=ANSWER_WAIT_MS)
        _no_error(page)
    verdict = _last_bot(page).inner_text()
    assert "初步判断：符合" in verdict, verdict
    page.screenshot(path=str(SHOTS / "verdict.png"))
    page.reload()  # the conversation belongs to this browser and survives a reload
    assert "魏善莊鎮" in page.inner_text("#log")  # as it was shown, in the asker's characters
    assert problems == []  # no script errors, no blocked inline code
    with store.engine.connect() as conn:  # every question recorded, with its channel
        channels = set(conn.execute(select(interactions.c.channel)).scalars())
    assert channels == {"web"}
    context.close()


def test_without_javascript(server: tuple[str, Store], browser: Any) -> None:
    base, _ = server
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(base + "/")
    page.fill("#q", "创投计划一共资助多少个项目？")
    page.click("#ask button.send")
    assert "15个项目" in page.inner_text("#log")
    context.close()


def test_axe_finds_no_accessibility_violations(server: tuple[str, Store], browser: Any) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: `make install-test` installs axe-core from the npm registry", pytrace=False)
    base, _ = server
    context = browser.new_context(bypass_csp=True, **PHONE)  # axe is injected as a script of the test's own
    page = context.new_page()
    page.goto(base + "/")
    before = _bots(page)
    _send(page, page.locator("form.chips button").first.tap)
    _wait_answer(page, before)
    before = _bots(page)
    _send(page, page.locator("form.check button").tap)
    _wait_answer(page, before)
    page.locator("summary").first.tap()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                                                                            'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    assert result == [], result
    context.close()
