"""WeChat's HTTP API through wechatpy's client: the access token, customer-service messages (answers that
take longer than the passive reply allows, or continue a long one) and the account's menu."""

from __future__ import annotations

from typing import Any

from wechatpy import WeChatClient

from bot.channels.render import split_parts
from bot.channels.texts import ChannelTexts
from bot.settings import Settings

TEXT_BYTES = 2000  # WeChat's text messages hold at most 2048 bytes of UTF-8


class ApiClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's client, its base URL from WECHAT_API_BASE_URL (the token URL included)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.wechat_app_id, settings.wechat_app_secret, timeout=10)
        self.API_BASE_URL = settings.wechat_api_base_url.rstrip("/") + "/"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(url=self.API_BASE_URL + "token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


def api_client(settings: Settings) -> ApiClient | None:
    """A client when the account's app id and secret are set; without them only passive replies."""
    if settings.wechat_app_id and settings.wechat_app_secret:
        return ApiClient(settings)
    return None


def split_text(text: str, limit: int | None = None) -> list[str]:
    """Parts of at most `limit` (TEXT_BYTES) UTF-8 bytes, cut at line ends where possible."""
    size = limit or TEXT_BYTES
    return [p for p in split_parts(text, size, lambda t: len(t.encode())) if p.strip()] or [""]


def menu(texts: ChannelTexts, web_url: str | None) -> dict[str, Any]:
    """The account's menu: the self-check, the common questions, and the web chat when it has an address."""
    buttons: list[dict[str, Any]] = [
        {"type": "click", "name": texts["menu_check_label"], "key": "check"},
        {"name": texts["menu_questions_label"],
         "sub_button": [{"type": "click", "name": label, "key": f"q:{i}"}
                        for i, label in enumerate(texts.menu_labels)]},
    ]
    if web_url:
        buttons.append({"type": "view", "name": texts["menu_web_label"], "url": web_url})
    return {"button": buttons}
