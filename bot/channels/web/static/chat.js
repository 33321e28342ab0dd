// The web chat without reloading: forms marked data-fetch are sent in the background and the
// server's HTML for the new messages is inserted. Without this script the same forms still work.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var ask = document.getElementById("ask");
  var box = document.getElementById("q");
  if (!log || !ask || !window.fetch || !window.FormData) { return; }
  var waiting = false;

  function bubble(kind, text) {
    var item = document.createElement("article");
    item.className = "msg " + kind;
    var p = document.createElement("p");
    p.className = "text";
    p.textContent = text;
    item.appendChild(p);
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function insert(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var items = Array.prototype.slice.call(holder.content.querySelectorAll("article.msg"));
    var fresh = null;
    items.forEach(function (item) {
      var old = item.id && document.getElementById(item.id);
      if (old) {  // an updated message (feedback given): passages the reader opened stay open
        var opened = old.querySelectorAll("details");
        Array.prototype.forEach.call(item.querySelectorAll("details"), function (d, i) {
          d.open = Boolean(opened[i] && opened[i].open);
        });
        old.parentNode.replaceChild(item, old);
      } else {
        Array.prototype.forEach.call(log.querySelectorAll("form.options"), function (f) { f.remove(); });
        log.appendChild(item);
        fresh = item;
      }
    });
    if (fresh) {
      fresh.scrollIntoView({ block: "start" });
      var option = fresh.querySelector("form.options button");
      if (option) { option.focus({ preventScroll: true }); }
    }
  }

  function setBusy(on) {
    waiting = on;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-fetch] button"), function (b) {
      b.disabled = on;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-fetch")) { return; }
    event.preventDefault();
    if (waiting) { return; }
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    if (form === ask && !String(data.get("q") || "").trim()) { box.focus(); return; }
    var isFeedback = form.getAttribute("action") === "/feedback";
    var pending = isFeedback ? null : bubble("bot pending", "正在查找资料……");
    setBusy(true);
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, text: text }; });
    }).then(function (result) {
      if (pending) { pending.remove(); }
      if (!result.ok) { bubble("error", result.text || "出了点问题，请稍后再试。"); return; }
      insert(result.text);
      if (form === ask) { box.value = ""; }
    }).catch(function () {
      if (pending) { pending.remove(); }
      bubble("error", "网络不通，请检查网络后再试。");
    }).then(function () {
      setBusy(false);
    });
  });

  // Enter sends (Shift+Enter for a new line); not while an input method is composing Chinese.
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (ask.requestSubmit) { ask.requestSubmit(); } else { ask.querySelector(".send").click(); }
    }
  });

  var last = log.lastElementChild;
  if (last && last !== log.firstElementChild) { last.scrollIntoView({ block: "start" }); }
})();
