// The inbox list: keyboard navigation, bulk selection, and live refresh of the rows.
(function () {
  "use strict";
  const root = document.getElementById("inbox");
  if (!root) return;
  const rows = document.getElementById("ticket-rows");
  const rowsUrl = root.dataset.rowsUrl;
  let selected = null; // ticket id under the cursor
  let timer = null;

  function all() { return Array.prototype.slice.call(rows.querySelectorAll("tr[data-ticket]")); }
  function mark(tr) {
    all().forEach(function (r) { r.classList.remove("cursor"); });
    if (!tr) return;
    tr.classList.add("cursor");
    selected = tr.dataset.ticket;
    tr.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    const list = all();
    if (!list.length) return;
    const at = list.findIndex(function (r) { return r.dataset.ticket === selected; });
    mark(list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + step))]);
  }
  function countChecked() {
    const n = rows.querySelectorAll("input[name=ticket]:checked").length;
    document.getElementById("bulk-count").textContent = n + " selected";
  }

  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      const checked = Array.prototype.map.call(
        rows.querySelectorAll("input[name=ticket]:checked"), function (i) { return i.value; });
      htmx.ajax("GET", rowsUrl + location.search, { target: "#ticket-rows", swap: "innerHTML" })
        .then(function () {
          checked.forEach(function (id) {
            const box = rows.querySelector("input[name=ticket][value='" + id + "']");
            if (box) box.checked = true;
          });
          const tr = rows.querySelector("tr[data-ticket='" + selected + "']");
          if (tr) tr.classList.add("cursor");
          countChecked();
          root.dataset.refreshed = String(Date.now());
        });
    }, 120);
  }

  document.addEventListener("hd:event", function (e) {
    const name = e.detail.event;
    if (name === "ticket.created" || name === "ticket.updated" || name === "message.created") {
      refresh();
    }
  });
  document.addEventListener("hd:resync", refresh);
  document.body.addEventListener("hd:resync", refresh);

  rows.addEventListener("click", function (e) {
    const tr = e.target.closest("tr[data-ticket]");
    if (!tr) return;
    if (e.target.matches("input[type=checkbox]")) { countChecked(); return; }
    if (e.target.closest("a")) return;
    location.href = tr.dataset.href;
  });

  document.addEventListener("keydown", function (e) {
    const t = e.target;
    if (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT") return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tr = rows.querySelector("tr[data-ticket='" + selected + "']");
    if (e.key === "j") { e.preventDefault(); move(1); }
    else if (e.key === "k") { e.preventDefault(); move(-1); }
    else if ((e.key === "Enter" || e.key === "o") && tr) { e.preventDefault(); location.href = tr.dataset.href; }
    else if (e.key === "x" && tr) {
      e.preventDefault();
      const box = tr.querySelector("input[type=checkbox]");
      box.checked = !box.checked; countChecked();
    } else if (e.key === "/") { e.preventDefault(); document.getElementById("search").focus(); }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target === rows) countChecked();
  });
})();
