// Calls pages: the console's screen pop, the routing check, the statistics charts.
(function () {
  "use strict";

  // --- screen pop -------------------------------------------------------------------------
  // A push names the call; the card is fetched as HTML so it is rendered in the agent's own
  // language and scope. Each push may arrive twice (directly, then from the outbox): its
  // push_id is remembered and the repeat dropped.
  var box = document.getElementById("call-card");
  var seen = {};

  function once(data) {
    if (!data.push_id) return true;
    if (seen[data.push_id]) return false;
    seen[data.push_id] = true;
    return true;
  }

  function load(callId) {
    return fetch("/calls/" + encodeURIComponent(callId) + "/card", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        box.innerHTML = html; // rendered and escaped by the server
        box.dataset.callId = String(callId);
        box.classList.remove("flash"); void box.offsetWidth; box.classList.add("flash");
        if (window.htmx) window.htmx.process(box);
        if (window.history && window.history.replaceState) window.history.replaceState(null, "", "/calls?call=" + callId);
      });
  }

  // The "current call" panel: caller, state and a running timer.
  var panel = document.getElementById("current-call");
  function current(state, caller, restart) {
    if (!panel) return;
    var badge = box.querySelector(".call-state"), timer = panel.querySelector(".call-timer");
    panel.querySelector(".current-none").hidden = true;
    panel.querySelector(".current-live").hidden = false;
    if (caller !== null) panel.querySelector(".current-caller").textContent = caller;
    panel.querySelector(".current-state").textContent = (badge && badge.dataset[state]) || state;
    if (restart) { timer.dataset.since = new Date().toISOString(); delete timer.dataset.stopped; }
    if (state === "ended") timer.dataset.stopped = "1";
  }
  setInterval(function () {
    document.querySelectorAll(".call-timer[data-since]").forEach(function (el) {
      if (!el.dataset.since || el.dataset.stopped) return;
      var s = Math.max(0, Math.round((Date.now() - Date.parse(el.dataset.since)) / 1000));
      el.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    });
  }, 1000);

  function listen(source) {
    source.addEventListener("call.ringing", function (e) {
      var data = JSON.parse(e.data);
      if (!once(data)) return;
      load(data.call_id).then(function () { current(data.state, data.caller, true); });
    });
    source.addEventListener("call.updated", function (e) {
      var data = JSON.parse(e.data);
      if (!once(data) || box.dataset.callId !== String(data.call_id)) return;
      // Only the badge changes: reloading the card would wipe a form being filled in.
      var card = box.querySelector(".call-card"), badge = box.querySelector(".call-state");
      if (card) card.dataset.state = data.state;
      if (badge) badge.textContent = badge.dataset[data.state] || data.state;
      current(data.state, null, data.state === "answered");
    });
  }

  if (box) {
    // app.js opens the page's one EventSource; wait for it rather than open a second.
    var tries = 0;
    (function attach() {
      if (window.gridcareEvents) { listen(window.gridcareEvents); return; }
      if (tries++ < 100) setTimeout(attach, 20);
    })();
  }

  // --- routing check ----------------------------------------------------------------------
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-route-form")) return;
    e.preventDefault();
    var out = form.querySelector(".route-answer");
    var caller = form.querySelector("[name=caller]").value;
    fetch("/api/v1/calls/route?caller=" + encodeURIComponent(caller), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.destination) { out.textContent = data.detail || ""; return; }
        var who = data.user ? " · " + data.user.name + (data.extension ? " (" + data.extension + ")" : "") : "";
        out.textContent = (out.dataset[data.destination] || data.destination) + who + " — " + data.reason;
      });
  });

  // --- statistics charts ------------------------------------------------------------------
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }

  var data = document.getElementById("stats-data");
  if (data) {
    var d = JSON.parse(data.textContent);
    var labels = document.getElementById("stats-labels").dataset;
    var grid = { left: 48, right: 24, top: 36, bottom: 32 };
    chart("chart-hours", {
      animation: false, grid: grid, tooltip: { trigger: "axis" }, legend: { top: 0, data: [labels.answered, labels.abandoned] },
      xAxis: { type: "category", data: d.hours }, yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: labels.answered, type: "bar", stack: "calls", data: d.answered, itemStyle: { color: "#1f8a4c" } },
        { name: labels.abandoned, type: "bar", stack: "calls", data: d.abandoned, itemStyle: { color: "#c62828" } }
      ]
    });
    chart("chart-days", {
      animation: false, grid: { left: 48, right: 48, top: 36, bottom: 32 }, tooltip: { trigger: "axis" }, legend: { top: 0, data: [labels.offered, labels.answerRate] },
      xAxis: { type: "category", data: d.days },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: labels.offered, type: "bar", data: d.day_offered, itemStyle: { color: "#0b6bcb" } },
        { name: labels.answerRate, type: "line", yAxisIndex: 1, data: d.day_answer_rate, itemStyle: { color: "#c77700" } }
      ]
    });
    chart("chart-queues", {
      animation: false, grid: { left: 90, right: 24, top: 12, bottom: 24 }, tooltip: {},
      xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: d.queues },
      series: [{ name: labels.offered, type: "bar", data: d.queue_offered, itemStyle: { color: "#0b6bcb" } }]
    });
  }
})();
