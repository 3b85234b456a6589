// Otklik's pages: the live bell (Server-Sent Events), self-submitting selects and keyboard
// shortcuts. Everything else is server-rendered HTML, with htmx for partial updates.
(function () {
  "use strict";

  function setCount(n) {
    var count = document.getElementById("bell-count");
    if (!count) return;
    count.dataset.count = String(n);
    count.textContent = n > 0 ? String(n) : "";
    var label = document.getElementById("bell-label");
    if (label) label.textContent = label.textContent.replace(/\d+/, String(n));
  }

  function follow() {
    var url = document.body.dataset.stream;
    if (!url || !window.EventSource) return;
    var source = new EventSource(url, { withCredentials: true });
    source.addEventListener("hello", function (e) { setCount(JSON.parse(e.data).unread); });
    source.addEventListener("notification", function (e) {
      var data = JSON.parse(e.data);
      setCount(data.unread);
      document.body.dispatchEvent(new CustomEvent("otklik:notification", { detail: data, bubbles: true }));
    });
    // EventSource reconnects by itself, with Last-Event-ID.
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // Shortcuts: an element with data-shortcut="r" is clicked (or focused, for fields) on that key;
  // "?" shows the list of them.
  function shortcuts() {
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) return;
      if (document.querySelector("dialog[open]")) return;
      var target = document.querySelector('[data-shortcut="' + CSS.escape(e.key) + '"]');
      if (!target) return;
      e.preventDefault();
      if (typing(target)) target.focus(); else target.click();
    });
  }

  // A server answer that changed the unread count (marking read) says so with an HX-Trigger.
  document.addEventListener("otklik:unread", function (e) { setCount(e.detail.unread); });

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    shortcuts();
    follow();
    document.querySelectorAll("[data-open-dialog]").forEach(function (button) {
      button.addEventListener("click", function () {
        var dialog = document.getElementById(button.dataset.openDialog);
        if (!dialog) return;
        // Closed by Escape or a button, focus goes back to what opened it, so the next shortcut works.
        dialog.addEventListener("close", function () { button.focus(); }, { once: true });
        dialog.showModal();
      });
    });
    document.querySelectorAll("dialog [data-close]").forEach(function (button) {
      button.addEventListener("click", function () { button.closest("dialog").close(); });
    });
  });
})();
