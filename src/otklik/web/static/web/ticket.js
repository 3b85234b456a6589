// A request's page stays true while it is open: when someone else changes the request, the live
// stream says so (app.js passes on its "ticket" events as otklik:ticket) and the page offers to show
// the changes. Showing them reads the page again and puts the new request in place of the old one,
// all but the reply box, which stays as it is (its text, its caret); other fields keep what was
// typed in them. The server stays the judge of every step: a form sent from a stale page is refused.
(function () {
  "use strict";

  function article() { return document.querySelector("[data-live-ticket]"); }

  // A mark is "records:highest id" of the changes by others this person may see (tickets/live.py).
  function parse(text) {
    var parts = String(text || "").split(":");
    return { count: Number(parts[0]) || 0, last: Number(parts[1]) || 0 };
  }

  function ahead(mark, seen) { return mark.count > seen.count || mark.last > seen.last; }

  function say(templateId) {
    var status = document.getElementById("live-change");
    var template = document.getElementById(templateId);
    if (!status || !template) return;
    status.replaceChildren(template.content.cloneNode(true));
  }

  // What was typed into the fields of `root` (by id): the drafts to carry into the new page.
  function drafts(root) {
    var out = {};
    root.querySelectorAll("textarea[id], input[id]").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked !== el.defaultChecked) out[el.id] = { checked: el.checked };
      } else if (el.type !== "hidden" && el.type !== "file" && el.value !== el.defaultValue) {
        out[el.id] = { value: el.value };
      }
    });
    return out;
  }

  function restore(root, saved) {
    Object.keys(saved).forEach(function (id) {
      var el = root.querySelector("#" + CSS.escape(id));
      if (!el) return;
      if ("checked" in saved[id]) el.checked = saved[id].checked; else el.value = saved[id].value;
    });
  }

  var loading = false;
  var latest = { count: 0, last: 0 }; // the newest mark the stream sent

  function refresh() {
    var old = article();
    if (!old || loading) return;
    loading = true;
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status === 404) { window.location.reload(); return null; } // no longer theirs to see
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-live-ticket]");
        if (!fresh) throw new Error("no request in the page");
        fresh = document.importNode(fresh, true);
        var focused = document.activeElement;
        var caret = focused && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
        var saved = drafts(old);
        // The reply box itself moves into the new page: nothing in it is lost.
        var reply = old.querySelector("#reply");
        var slot = fresh.querySelector("#reply");
        if (reply && slot) slot.replaceWith(reply);
        else if (reply) (fresh.querySelector(".ticket-main") || fresh).appendChild(reply);
        if (reply) Object.keys(saved).forEach(function (id) { if (reply.querySelector("#" + CSS.escape(id))) delete saved[id]; });
        restore(fresh, saved);
        old.replaceWith(fresh);
        document.title = doc.title;
        // The focus stays where it was, but not on the notice's button, which goes.
        if (focused && focused.isConnected && focused !== document.body && !focused.closest("#live-change")) {
          focused.focus();
          if (caret) { try { focused.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ } }
        } else {
          var heading = document.getElementById("ticket-title");
          if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
        }
        // A change that came while the page was read may not be in it: then say so again.
        say(ahead(latest, parse(fresh.dataset.liveMark)) ? "live-changed" : "live-refreshed");
      })
      .catch(function () { say("live-failed"); })
      .then(function () { loading = false; });
  }

  document.addEventListener("otklik:ticket", function (e) {
    var page = article();
    if (!page || !e.detail || e.detail.ticket !== page.dataset.liveTicket) return;
    var mark = { count: Number(e.detail.count) || 0, last: Number(e.detail.last) || 0 };
    if (ahead(mark, latest)) latest = mark;
    if (!ahead(mark, parse(page.dataset.liveMark))) return; // what the page shows already
    var status = document.getElementById("live-change");
    if (loading || (status && status.querySelector("[data-live-refresh]"))) return; // said already, or coming
    say("live-changed");
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-live-refresh]")) refresh();
  });
})();
