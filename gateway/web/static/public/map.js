/* The public map: cases from /carte/cas.geojson as coloured markers, commune outlines, and tiles when
   they load. Without tiles (no tile server reachable) the markers, outlines and legend still show.
   Markers that would overlap are gathered by leaflet.markercluster into one numbered button (its name
   says how many reports it holds); a click zooms in, or spreads them at the closest zoom. */
(function () {
  "use strict";
  var element = document.getElementById("carte");
  if (!element || !window.L) { return; }
  var SYMBOLS = { red: "!", orange: "…", green: "✓" };
  var status = document.getElementById("carte-etat");

  var map = L.map(element, { scrollWheelZoom: false });
  var tilesFailed = false;
  L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution })
    .on("tileerror", function () {
      if (tilesFailed) { return; }
      tilesFailed = true;
      element.classList.add("guichet-map--no-tiles");
      var note = L.control({ position: "bottomleft" });
      note.onAdd = function () {
        var box = L.DomUtil.create("div", "guichet-map__note");
        box.textContent = "Fond de carte indisponible : les signalements restent affichés.";
        return box;
      };
      note.addTo(map);
    })
    .addTo(map);

  var outlines = JSON.parse(document.getElementById("carte-communes").textContent);
  var town = getComputedStyle(document.documentElement).getPropertyValue("--town-primary").trim() || "#1e1e1e";
  var communes = L.geoJSON(outlines, {
    interactive: false,
    style: { color: town, weight: 2, opacity: 0.7, fillColor: town, fillOpacity: 0.04, dashArray: "6 4" }
  }).addTo(map);
  if (communes.getBounds().isValid()) { map.fitBounds(communes.getBounds(), { padding: [16, 16] }); }
  else { map.setView([47.39, 0.69], 13); }

  var legend = L.control({ position: "topright" });
  legend.onAdd = function () {
    var box = L.DomUtil.create("div", "guichet-map__legend");
    box.setAttribute("aria-hidden", "true"); /* the same legend is written above the map */
    box.innerHTML =
      '<p><span class="guichet-dot guichet-dot--red"></span>Enregistré</p>' +
      '<p><span class="guichet-dot guichet-dot--orange"></span>Validé ou en cours</p>' +
      '<p><span class="guichet-dot guichet-dot--green"></span>Résolu</p>';
    return box;
  };
  legend.addTo(map);

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("p");
    title.className = "guichet-popup__title";
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.reference;
    title.appendChild(link);
    title.appendChild(document.createTextNode(" – " + properties.status_label));
    box.appendChild(title);
    [properties.category_label, properties.place, properties.description,
      properties.people + (properties.people > 1 ? " personnes concernées" : " personne concernée")]
      .forEach(function (text) {
        if (!text) { return; }
        var line = document.createElement("p");
        line.textContent = text;
        box.appendChild(line);
      });
    return box;
  }

  fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    })
    .then(function (collection) {
      var clusters = window.L.markerClusterGroup ? L.markerClusterGroup({
        maxClusterRadius: 40, showCoverageOnHover: false, spiderfyOnMaxZoom: true, removeOutsideVisibleBounds: false,
        iconCreateFunction: function (cluster) {
          var count = cluster.getChildCount();
          return L.divIcon({
            className: "guichet-cluster",
            html: '<span aria-hidden="true">' + count + '</span><span class="sr-only">' + count +
              " signalements proches : zoomer</span>",
            iconSize: [36, 36]
          });
        }
      }) : L.layerGroup();
      var markers = L.geoJSON(collection, {
        pointToLayer: function (feature, latlng) {
          var p = feature.properties;
          var icon = L.divIcon({
            className: "guichet-marker guichet-marker--" + p.colour,
            html: '<span aria-hidden="true">' + (SYMBOLS[p.colour] || "") + "</span>",
            iconSize: [26, 26],
            iconAnchor: [13, 13],
            popupAnchor: [0, -12]
          });
          var marker = L.marker(latlng, {
            icon: icon, title: p.reference + " – " + p.status_label + " – " + p.category_label,
            alt: p.reference, riseOnHover: true
          });
          marker.on("add", function () {
            var node = marker.getElement();
            node.dataset.reference = p.reference;
            node.dataset.status = p.status;
            node.dataset.colour = p.colour;
          });
          return marker.bindPopup(popup(p));
        }
      });
      clusters.addLayer(markers).addTo(map);
      if (collection.features.length) {
        map.fitBounds(markers.getBounds(), { padding: [40, 40], maxZoom: 16 });
      }
      element.dataset.markers = String(collection.features.length);
    })
    .catch(function () {
      element.dataset.markers = "error";
      if (status) { status.textContent = "La carte n'a pas pu charger les signalements ; la liste ci-dessous les donne."; }
    });
})();
