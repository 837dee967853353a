// Open conversations as tabs (kept per workspace in localStorage) with unread counts.
// Alt+1..5 switches, Alt+W closes the current one.
(function () {
  "use strict";
  const body = document.body;
  const bar = document.getElementById("conversation-tabs");
  if (!bar || !body.dataset.tenant) return;
  const key = "hd.tabs." + body.dataset.tenant;
  const MAX = 8;
  const conv = document.getElementById("conversation");
  const current = conv ? Number(conv.dataset.ticket) : null;

  function load() {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; }
  }
  function save(tabs) { localStorage.setItem(key, JSON.stringify(tabs.slice(0, MAX))); }
  function href(id) { return body.dataset.home + "tickets/" + id + "/"; }

  function render() {
    const tabs = load();
    bar.textContent = "";
    tabs.forEach(function (t, i) {
      const a = document.createElement("a");
      a.href = href(t.id);
      a.className = "tab" + (t.id === current ? " current" : "");
      a.dataset.testid = "conversation-tab";
      a.setAttribute("data-testid", "conversation-tab");
      a.dataset.ticket = t.id;
      a.title = (i < 5 ? "Alt+" + (i + 1) + " · " : "") + t.subject;
      if (i < 5) {
        const key = document.createElement("kbd");
        key.textContent = String(i + 1);
        a.appendChild(key);
      }
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = "#" + t.number + " " + t.subject;
      a.appendChild(label);
      if (t.unread) {
        const n = document.createElement("span");
        n.className = "unread";
        n.setAttribute("data-testid", "tab-unread");
        n.textContent = t.unread;
        a.appendChild(n);
      }
      if (t.typing && Date.now() - t.typing < 5000) a.classList.add("typing");
      const x = document.createElement("button");
      x.type = "button"; x.className = "close"; x.textContent = "×"; x.title = "Close tab";
      x.addEventListener("click", function (e) { e.preventDefault(); close(t.id); });
      a.appendChild(x);
      bar.appendChild(a);
    });
  }
  function close(id) {
    save(load().filter(function (t) { return t.id !== id; }));
    if (id === current) location.href = body.dataset.home;
    else render();
  }

  if (conv) {
    const tabs = load();
    const found = tabs.find(function (t) { return t.id === current; });
    if (found) { found.unread = 0; found.subject = conv.dataset.subject; }
    else tabs.push({ id: current, number: Number(conv.dataset.number),
                     subject: conv.dataset.subject, unread: 0 });
    save(tabs);
  }
  render();
  window.addEventListener("storage", function (e) { if (e.key === key) render(); });

  document.addEventListener("hd:event", function (e) {
    const msg = e.detail;
    if (msg.event !== "message.created" || msg.data.direction !== "inbound") return;
    const tabs = load();
    const t = tabs.find(function (x) { return x.id === msg.data.ticket.id; });
    if (!t || (t.id === current && !document.hidden)) return;
    t.unread = (t.unread || 0) + 1;
    save(tabs);
    render();
  });

  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const tabs = load();
    if (/^Digit[1-5]$/.test(e.code)) {
      const t = tabs[Number(e.code.slice(5)) - 1];
      if (t) { e.preventDefault(); location.href = href(t.id); }
    } else if (e.code === "KeyW" && current) {
      e.preventDefault(); close(current);
    }
  });
  window.hdTabs = { render: render, load: load };
})();
