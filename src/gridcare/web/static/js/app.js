// gridcare page glue: CSRF for HTMX requests and the live push stream.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (evt) {
    if (csrf) evt.detail.headers["X-CSRF-Token"] = csrf.content;
  });

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast";
    el.textContent = text; // never innerHTML: pushed text may come from customers
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  // One EventSource per page; domains listen for their events on `document`.
  function connect() {
    if (!document.body.dataset.user || !window.EventSource) return;
    var status = document.getElementById("live-status");
    var source = new EventSource("/events");
    window.gridcareEvents = source;
    source.onopen = function () { if (status) status.textContent = status.dataset.connected; };
    source.onerror = function () { if (status) status.textContent = status.dataset.disconnected; };
    source.addEventListener("notice", function (e) {
      var data = JSON.parse(e.data);
      toast(data.text || "");
      document.dispatchEvent(new CustomEvent("gridcare:notice", { detail: data }));
    });
  }
  window.gridcareToast = toast;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect); else connect();
})();
