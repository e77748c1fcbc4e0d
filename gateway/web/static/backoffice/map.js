// The agents' map: cases coloured by progress (red received, orange under way, green resolved).
// Markers are drawn as vectors, so they show even when no tile server answers; those that would overlap are
// gathered by leaflet.markercluster into one numbered button (a click zooms in, or spreads them).
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
      var clusters = L.markerClusterGroup ? L.markerClusterGroup({
        maxClusterRadius: 40, showCoverageOnHover: false,
        iconCreateFunction: function (cluster) {
          var count = cluster.getChildCount();
          return L.divIcon({
            className: "bo-cluster",
            html: '<span aria-hidden="true">' + count + '</span><span class="sr-only">' + count +
              " dossiers proches : zoomer</span>",
            iconSize: [36, 36]
          });
        }
      }) : L.layerGroup();
      data.cases.forEach(function (item) {
        var marker = L.circleMarker([item.lat, item.lon], {
          radius: 9, color: "#ffffff", weight: 2, fillOpacity: 0.9,
          fillColor: COLOURS[item.colour] || COLOURS.grey
        });
        marker.bindPopup(popup(item));
        marker.bindTooltip(item.reference + " – " + item.status_label);
        marker.on("add", function () {  // a clustered marker gets its element when its cluster opens
          var path = marker.getElement && marker.getElement();
          if (!path || path.dataset.reference) { return; }
          path.dataset.reference = item.reference;
          path.setAttribute("tabindex", "0");
          path.setAttribute("role", "button");
          path.setAttribute("aria-label", item.reference + ", " + item.status_label + ", " + item.category);
          path.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") { event.preventDefault(); marker.openPopup(); }
          });
        });
        clusters.addLayer(marker);
        bounds.push([item.lat, item.lon]);
      });
      clusters.addTo(map);
      if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 }); }
      status.textContent = data.cases.length + " dossier(s) sur la carte.";
    })
    .catch(function () { status.textContent = "Les dossiers n'ont pas pu être chargés ; utilisez la liste."; });
}());
