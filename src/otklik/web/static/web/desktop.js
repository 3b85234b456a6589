// Desktop notifications from the portal while a tab is open (the browser's Notifications API):
// opt-in per browser (a button in the settings), fed by the live stream app.js already follows
// ("otklik:notification" events). A click opens the request and marks the notification read;
// several open tabs show one notification (the same tag).
(function () {
  "use strict";
  var KEY = "otklik.desktopNotifications";

  function supported() { return "Notification" in window; }
  function wanted() { try { return localStorage.getItem(KEY) === "on"; } catch (e) { return false; } }
  function remember(on) { try { localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode */ } }
  function active() { return supported() && wanted() && Notification.permission === "granted"; }

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function show(data) {
    if (!active()) return;
    var n = new Notification(data.subject, { body: data.body || "", tag: "otklik-" + data.id, lang: document.documentElement.lang });
    n.onclick = function () {
      window.focus();
      fetch("/api/v1/notifications/" + encodeURIComponent(data.id) + "/read", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
      }).catch(function () { /* the bell still shows it unread */ });
      if (data.link) window.location.href = data.link;
      n.close();
    };
  }

  function control(box) {
    var state = box.querySelector("[data-state]"), toggle = box.querySelector("[data-toggle]");
    function paint() {
      if (!supported()) { state.textContent = box.dataset.unsupported; toggle.hidden = true; return; }
      if (Notification.permission === "denied") { state.textContent = box.dataset.denied; toggle.hidden = true; return; }
      toggle.hidden = false;
      var on = active();
      state.textContent = on ? box.dataset.on : box.dataset.off;
      toggle.textContent = on ? box.dataset.turnOff : box.dataset.turnOn;
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      if (active()) { remember(false); paint(); return; }
      remember(true);
      var asked = Notification.requestPermission(function () { paint(); });
      if (asked && asked.then) asked.then(paint);
      paint();
    });
    paint();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-browser-notifications]").forEach(control);
    document.body.addEventListener("otklik:notification", function (e) { show(e.detail); });
  });
})();
