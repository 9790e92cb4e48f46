// The public map page: hands the Leaflet map that django-leaflet builds to the viewer (static/js/viewer/).
import { createViewer } from "./viewer/viewer.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const strings = JSON.parse(document.getElementById("viewer-strings").textContent);
const root = document.querySelector("[data-viewer]");

window.frontlineMapInit = function (map) {
  window.frontlineMap = map;
  createViewer({ ...config, strings, map, root, urlState: true })
    .then(function (viewer) {
      window.frontlineViewer = viewer;
    })
    .catch(function (error) {
      root.dataset.ready = "error";
      const status = root.querySelector('[data-control="status"]');
      if (status) status.textContent = strings["The map could not be loaded."] || String(error);
      throw error;
    });
};

// A bad ?date= is set aside with a notice saying why; the reader can close it.
document.addEventListener("click", function (event) {
  const close = event.target.closest("[data-close-notice]");
  if (close) close.parentNode.remove();
});
