// Confirm destructive forms; follow a re-index job until it ends.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});

(function () {
  var box = document.getElementById("job");
  if (!box) { return; }
  var labels = { queued: "排队中", running: "正在更新索引", done: "完成", failed: "失败" };
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        var bar = document.getElementById("job-bar");
        bar.max = job.total || 1;
        bar.value = job.state === "done" ? bar.max : job.done;
        document.getElementById("job-status").textContent = labels[job.state] + (job.total ? "（" + job.done + " / " + job.total + " 段）" : "");
        document.getElementById("job-message").textContent = job.message || "";
        box.setAttribute("data-state", job.state);
        if (job.state === "queued" || job.state === "running") { setTimeout(poll, 500); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();

// Programme draft: a field and its quote in the document find each other.
(function () {
  var doc = document.getElementById("document");
  if (!doc) { return; }
  function show(index, scroll) {
    doc.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
    var marks = doc.querySelectorAll('mark[data-q="' + index + '"]');
    marks.forEach(function (m) { m.classList.add("active"); });
    if (scroll && marks.length) { marks[0].scrollIntoView({ block: "center", behavior: "smooth" }); }
  }
  document.querySelectorAll("fieldset.field[data-q]").forEach(function (box) {
    box.addEventListener("focusin", function () { show(box.getAttribute("data-q"), true); });
  });
  doc.addEventListener("click", function (event) {
    var mark = event.target.closest("mark[data-q]");
    if (!mark) { return; }
    var box = document.querySelector('fieldset.field[data-q="' + mark.getAttribute("data-q") + '"]');
    if (box) { box.scrollIntoView({ block: "center", behavior: "smooth" }); show(mark.getAttribute("data-q"), false); }
  });
})();
