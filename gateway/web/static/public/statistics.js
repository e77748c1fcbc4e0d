/* The statistics charts, drawn with Chart.js from /statistiques.json; the tables on the page give the
   same figures to screen readers and to browsers without JavaScript. */
(function () {
  "use strict";
  var script = document.getElementById("statistiques-script");
  if (!script || !window.Chart) { return; }
  var COLOURS = { red: "#ce0500", orange: "#e4794a", green: "#18753c" };
  /* Validated and in progress are both orange on the map; two shades tell them apart here. */
  var SHADES = { validated: "#f3a77a", in_progress: "#b34000" };
  var OTHERS = ["#6a6af4", "#929292", "#a558a0", "#009099"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1e1e1e";
  var TOWN = getComputedStyle(document.documentElement).getPropertyValue("--town-primary").trim() || "#1e1e1e";

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
    new Chart(canvas, config);
    canvas.dataset.rendered = "true";
  }

  fetch(script.dataset.source)
    .then(function (response) { return response.json(); })
    .then(function (stats) {
      var other = 0;
      draw("graphique-categories", {
        type: "bar",
        data: {
          labels: stats.by_category.map(function (row) { return row.label; }),
          datasets: stats.statuses.map(function (s) {
            return {
              label: s.label,
              data: stats.by_category.map(function (row) { return row.counts[s.status]; }),
              backgroundColor: SHADES[s.status] || COLOURS[s.colour] || OTHERS[other++ % OTHERS.length]
            };
          })
        },
        options: {
          indexAxis: "y",
          scales: { x: { stacked: true, ticks: { precision: 0 }, title: { display: true, text: "Signalements" } }, y: { stacked: true } },
          plugins: { legend: { position: "bottom" } }
        }
      });
      var services = stats.by_service;
      draw("graphique-delais", {
        type: "bar",
        data: {
          labels: services.map(function (row) { return row.name; }),
          datasets: [{ label: "Délai médian de résolution (jours)", backgroundColor: TOWN,
            data: services.map(function (row) { return row.median_days; }) }]
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Jours" } } },
          plugins: { legend: { display: false }, title: { display: true, text: "Délai médian de résolution (jours)" } } }
      });
      draw("graphique-dans-les-temps", {
        type: "bar",
        data: {
          labels: services.map(function (row) { return row.name; }),
          datasets: [{ label: "Résolus dans le délai prévu (%)", backgroundColor: COLOURS.green,
            data: services.map(function (row) {
              return row.within_delay_share === null ? null : Math.round(row.within_delay_share * 100);
            }) }]
        },
        options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "%" } } },
          plugins: { legend: { display: false }, title: { display: true, text: "Résolus dans le délai prévu (%)" } } }
      });
    });
})();
