// Draws the dashboard's charts from the JSON the page embeds (Chart.js, vendored).
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const series = read("series-data");
  const channels = read("channel-data");
  const multi = read("multi-data");
  const days = series.map((r) => r.day);
  const opts = { animation: false, responsive: true, maintainAspectRatio: false };
  new Chart(document.getElementById("chart-volume"), {
    type: "line",
    data: { labels: days, datasets: [
      { label: "Created", data: series.map((r) => r.created), borderColor: "#2f6fed", tension: 0.2 },
      { label: "Resolved", data: series.map((r) => r.resolved), borderColor: "#2e9d5b", tension: 0.2 },
    ] },
    options: opts,
  });
  new Chart(document.getElementById("chart-quality"), {
    type: "line",
    data: { labels: days, datasets: [
      { label: "First response (min)", data: series.map((r) => r.frt_minutes), borderColor: "#e08a00", yAxisID: "y" },
      { label: "CSAT %", data: series.map((r) => r.csat), borderColor: "#8e44ad", yAxisID: "y1" },
    ] },
    options: { ...opts, spanGaps: true, scales: { y: { position: "left" }, y1: { position: "right", min: 0, max: 100 } } },
  });
  new Chart(document.getElementById("chart-channel"), {
    type: "bar",
    data: { labels: channels.map((r) => r.label), datasets: [
      { label: "CSAT %", data: channels.map((r) => r.csat), backgroundColor: "#2f6fed" },
    ] },
    options: { ...opts, scales: { y: { min: 0, max: 100 } } },
  });
  new Chart(document.getElementById("chart-multi"), {
    type: "bar",
    data: { labels: multi.map((r) => r.label), datasets: [
      { label: "CSAT %", data: multi.map((r) => r.csat), backgroundColor: "#8e44ad" },
      { label: "CES", data: multi.map((r) => r.ces), backgroundColor: "#2e9d5b" },
    ] },
    options: opts,
  });
})();
