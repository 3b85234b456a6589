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
    // A request's page also hears of changes to that request (ticket.js shows them).
    var watched = document.querySelector("[data-live-ticket]");
    if (watched) url += (url.indexOf("?") < 0 ? "?" : "&") + "ticket=" + encodeURIComponent(watched.dataset.liveTicket);
    var source = new EventSource(url, { withCredentials: true });
    source.addEventListener("hello", function (e) { setCount(JSON.parse(e.data).unread); });
    source.addEventListener("notification", function (e) {
      var data = JSON.parse(e.data);
      setCount(data.unread);
      document.body.dispatchEvent(new CustomEvent("otklik:notification", { detail: data, bubbles: true }));
    });
    source.addEventListener("ticket", function (e) {
      document.dispatchEvent(new CustomEvent("otklik:ticket", { detail: JSON.parse(e.data) }));
    });
    // EventSource reconnects by itself, with Last-Event-ID.
  }

  // Delegated, so parts of a page replaced later (ticket.js) behave as the first ones did.
  function autosubmit() {
    document.addEventListener("change", function (e) {
      var el = e.target.closest && e.target.closest("select[data-autosubmit]");
      if (el) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    });
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // The shortcut a key press means. A Latin layout gives its character; any other (ЙЦУКЕН types
  // "с" where "c" is) gives the physical key as a US keyboard labels it: KeyC is "c", Shift+Slash
  // is "?" (the Russian layout types "," there, and "?" on Shift+7, which works as a character).
  function shortcutOf(e) {
    var names = [];
    if (/^[\x21-\x7e]$/.test(e.key)) names.push(e.key);
    var code = e.code || "";
    var letter = /^Key([A-Z])$/.exec(code);
    if (letter && names.length === 0) names.push(e.shiftKey ? letter[1] : letter[1].toLowerCase());
    if (code === "Slash") names.push(e.shiftKey ? "?" : "/");
    for (var i = 0; i < names.length; i++) {
      var target = document.querySelector('[data-shortcut="' + CSS.escape(names[i]) + '"]');
      if (target) return target;
    }
    return null;
  }

  // Shortcuts: an element with data-shortcut="r" is clicked on that key, or focused (a field, or
  // one marked data-shortcut-focus: a key never takes a step that cannot be undone); "?" shows the
  // list of them. Never while typing in a field, nor while a dialog is open.
  function shortcuts() {
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing || e.defaultPrevented) return;
      if (typing(document.activeElement) || typing(e.target)) return;
      if (document.querySelector("dialog[open]")) return;
      var target = shortcutOf(e);
      if (!target) return;
      e.preventDefault();
      if (typing(target) || target.hasAttribute("data-shortcut-focus")) target.focus(); else target.click();
    });
  }

  // A server answer that changed the unread count (marking read) says so with an HX-Trigger.
  document.addEventListener("otklik:unread", function (e) { setCount(e.detail.unread); });

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    shortcuts();
    follow();
  });
  // Dialogs, delegated (see autosubmit).
  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    var opener = e.target.closest("[data-open-dialog]");
    var dialog = opener && document.getElementById(opener.dataset.openDialog);
    if (dialog && !dialog.open) {
      // Closed by Escape or a button, focus goes back to what opened it, so the next shortcut works.
      dialog.addEventListener("close", function () { if (opener.isConnected) opener.focus(); }, { once: true });
      dialog.showModal();
      return;
    }
    var closer = e.target.closest("dialog [data-close]");
    if (closer) closer.closest("dialog").close();
  });
})();
