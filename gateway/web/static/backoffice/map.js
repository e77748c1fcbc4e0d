// The agents' map: cases coloured by progress (red received, orange under way, green resolved).
// Markers are drawn as vectors, so they show even when no tile server answers.
(function () {
  "use strict";
  var COLOURS = { red: "#ce0500", orange: "#fc5d00", green: "#18753c", grey: "#666666" };
  var element = document.getElementById("bo-map");
  var status = document.getElementById("bo-map-status");
  if (!element || typeof L === "undefined") {
    if (status) { status.textContent = "La carte ne peut pas s'afficher ; utilisez la liste des dossiers."; }
    return;
  }
  var map = L.map(element, { keyboard: true }).setView([47.0, 2.0], 13);
  var tiles = L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
  tiles.on("tileerror", function () { element.classList.add("bo-map--no-tiles"); });

  function popup(item) {
    // Built from DOM nodes: residents' words never become HTML.
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.reference;
    box.appendChild(link);
    [item.status_label, item.category, item.address || ""].forEach(function (text) {
      var line = document.createElement("p");
      line.className = "small mb-0";
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  fetch(element.dataset.cases, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var bounds = [];
      data.cases.forEach(function (item) {
        var marker = L.circleMarker([item.lat, item.lon], {
          radius: 9, color: "#ffffff", weight: 2, fillOpacity: 0.9,
          fillColor: COLOURS[item.colour] || COLOURS.grey
        }).addTo(map);
        marker.bindPopup(popup(item));
        marker.bindTooltip(item.reference + " – " + item.status_label);
        var path = marker.getElement && marker.getElement();
        if (path) {
          path.setAttribute("tabindex", "0");
          path.setAttribute("role", "button");
          path.setAttribute("aria-label", item.reference + ", " + item.status_label + ", " + item.category);
          path.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") { event.preventDefault(); marker.openPopup(); }
          });
        }
        bounds.push([item.lat, item.lon]);
      });
      if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 }); }
      status.textContent = data.cases.length + " dossier(s) sur la carte.";
    })
    .catch(function () { status.textContent = "Les dossiers n'ont pas pu être chargés ; utilisez la liste."; });
}());
