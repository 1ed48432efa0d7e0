// Maps drawn from the grid's own polygons (vendored Leaflet; no tiles unless the centre
// sets a tile server). <div data-map data-areas="…geojson" data-marks="…geojson"
// data-tiles="https://…/{z}/{x}/{y}.png">: the areas in grey, the marks shaded by their
// "weight" (0–1), each mark's popup linking to its page. Popups are built from text nodes,
// never from HTML. data-point="lat,lon" marks one place (an appeal's) and centres on it.
// data-pick="lat,lon" makes it a place picker: a click (or Enter on the
// map, at its centre) puts the pin there and fills the form's inputs of those names; typed
// values move the pin. When the areas are too many to draw at once (a province's grids),
// the server sends the areas above them with "detail": the map then loads the grids in
// view as it is zoomed in.
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.href;
    link.textContent = properties.label;
    box.appendChild(link);
    if (properties.detail) {
      var detail = document.createElement("div");
      detail.textContent = properties.detail;
      box.appendChild(detail);
    }
    return box;
  }

  function draw(element) {
    if (element.dataset.ready) return;  // drawn already
    element.dataset.ready = "loading";
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    if (element.dataset.tiles) L.tileLayer(element.dataset.tiles, { maxZoom: 19 }).addTo(map);
    var bounds = L.latLngBounds([]);
    function show(layer) {
      if (layer.getBounds().isValid()) {
        bounds.extend(layer.getBounds());
        map.fitBounds(bounds, { padding: [6, 6] });
      }
    }
    getJSON(element.dataset.areas)
      .then(function (areas) {
        // A few areas are named on the map itself (no base map may say where one is).
        var named = areas.features.length <= 12;
        var layer = L.geoJSON(areas, {
          style: function (feature) {
            return { color: "#6b7a89", weight: 1, fillColor: "#e3eaf1", fillOpacity: 0.5,
                     className: "area-" + feature.properties.code };
          },
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(feature.properties.name,
              named ? { permanent: true, direction: "center", className: "area-label" } : {});
          },
        }).addTo(map);
        show(layer);
        if (areas.detail) detailed(map, element.dataset.areas, areas.detail);
        if (!element.dataset.marks) return null;
        return getJSON(element.dataset.marks).then(function (marks) {
          var shaded = L.geoJSON(marks, {
            style: function (feature) {
              var w = feature.properties.weight || 0;
              return { color: "#b3261e", weight: 2, fillColor: "#d93025", fillOpacity: 0.25 + 0.5 * w };
            },
            onEachFeature: function (feature, shape) { shape.bindPopup(popup(feature.properties)); },
          }).addTo(map);
          if (!layer.getBounds().isValid()) show(shaded);
          element.dataset.marksDrawn = String(marks.features.length);
        });
      })
      .then(function () {
        if (element.dataset.point) {
          var at = element.dataset.point.split(",").map(parseFloat);
          L.circleMarker(at, { radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.7 }).addTo(map);
          if (!map.getBounds().contains(at)) map.setView(at, map.getZoom());
        }
        if (element.dataset.pick) picker(map, element);
        element.dataset.ready = "true";
      })
      .catch(function () {
        element.textContent = "地图数据加载失败，请刷新重试";
        element.dataset.ready = "error";
      });
  }

  function detailed(map, url, level) {
    var layer = null, asked = 0, from = null;
    function load() {
      var ticket = ++asked;  // before the zoom check: zoomed back out, an answer on its way is stale too
      if (from === null) from = map.getZoom();
      if (layer) { map.removeLayer(layer); layer = null; }
      if (map.getZoom() < from + 2) return;  // still the whole area: the areas above are enough
      var b = map.getBounds();
      var query = new URL(url, location.href);
      query.searchParams.set("level", level);
      query.searchParams.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(5); }).join(","));
      getJSON(query.pathname + query.search).then(function (grids) {
        if (ticket !== asked) return;  // the map moved on meanwhile
        layer = L.geoJSON(grids, {
          style: function (feature) {
            return { color: "#8a97a5", weight: 1, fillOpacity: 0, className: "area-" + feature.properties.code };
          },
          onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name); },
        }).addTo(map);
        layer.bringToBack();
      });
    }
    map.on("moveend", load);
  }

  function picker(map, element) {
    var names = element.dataset.pick.split(",");
    var form = element.closest("form");
    var lat = form.elements[names[0]], lon = form.elements[names[1]];
    var pin = null;
    function place(latlng) {
      if (pin) pin.setLatLng(latlng);
      else pin = L.circleMarker(latlng, { radius: 8, color: "#1a56db", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }
    function typed() {
      var y = parseFloat(lat.value), x = parseFloat(lon.value);
      if (isFinite(y) && isFinite(x)) place([y, x]);
    }
    function pick(latlng) {
      place(latlng);
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      [lat, lon].forEach(function (input) { input.dispatchEvent(new Event("change", { bubbles: true })); });
    }
    map.on("click", function (event) { pick(event.latlng); });
    map.on("keypress", function (event) { if (event.originalEvent.key === "Enter") pick(map.getCenter()); });
    lat.addEventListener("change", typed);
    lon.addEventListener("change", typed);
    typed();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) return;
    document.querySelectorAll("[data-map]").forEach(draw);
  });
})();
