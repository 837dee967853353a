// Global shortcuts: ? lists them, g i goes to the inbox, Esc leaves text boxes and dialogs.
(function () {
  "use strict";
  const dialog = document.getElementById("shortcuts");
  let pendingG = false;
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
                  el.isContentEditable);
  }
  document.querySelectorAll("[data-shortcuts]").forEach(function (b) {
    b.addEventListener("click", function () { dialog.showModal(); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?") { e.preventDefault(); dialog.open ? dialog.close() : dialog.showModal(); return; }
    if (pendingG) {
      pendingG = false;
      if (e.key === "i") { e.preventDefault(); location.href = document.body.dataset.home; }
      return;
    }
    if (e.key === "g") { pendingG = true; setTimeout(function () { pendingG = false; }, 1000); }
  });
})();
