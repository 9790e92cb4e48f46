/* Frontline Atlas host script: include it once on a page that embeds Frontline Atlas maps in iframes,
 *   <script async src="https://ATLAS/static/js/embed-host.js"></script>
 * and each embed's iframe grows to the height its content needs (the legend wraps on a narrow screen, say),
 * so nothing is cut off and no scroll bar appears inside the frame.
 *
 * It listens for the embed's messages (see static/js/embed.js): {type: "frontline-atlas:resize", version: 1,
 * slug, height}. A message is used only when it comes from one of this page's iframes (event.source is that
 * iframe's window) and from the origin the iframe's src points at; the height must be a sane number. It never
 * makes an iframe shorter than the height the page gave it. When it starts it asks the frames already there to
 * repeat their height ({type: "frontline-atlas:hello", version: 1}); nothing else is sent. No cookies, no
 * globals beyond one flag that stops the script from installing itself twice. Plain ES5 so old CMS pages can load it.
 */
(function () {
  "use strict";
  if (window.frontlineAtlasHost) return;
  window.frontlineAtlasHost = { version: 1 };

  var MAX_HEIGHT = 5000;

  function frameOf(source) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) return frames[i];
    }
    return null;
  }

  function originOf(src) {
    try {
      return new URL(src, document.baseURI).origin;
    } catch (error) {
      return null;
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "frontline-atlas:resize") return;
    var height = Number(data.height);
    if (!isFinite(height) || height < 50 || height > MAX_HEIGHT) return;
    var frame = frameOf(event.source);
    if (!frame || originOf(frame.src) !== event.origin) return;
    if (!frame.hasAttribute("data-atlas-height")) {
      // The height the page asked for, the least the frame will ever be.
      frame.setAttribute("data-atlas-height", String(frame.getBoundingClientRect().height || frame.height || 0));
    }
    var least = Number(frame.getAttribute("data-atlas-height")) || 0;
    frame.style.height = Math.max(least, Math.ceil(height)) + "px";
  });

  // Embeds that loaded before this script (it came late: async, a slow network, a CMS that adds scripts at the
  // end) told their height to nobody. Ask each frame already on the page to say it again; the question goes
  // only to the origin the frame's src points at, so no other site's frame sees it.
  var frames = document.getElementsByTagName("iframe");
  for (var i = 0; i < frames.length; i++) {
    var origin = originOf(frames[i].src);
    if (!origin || origin === "null" || !frames[i].contentWindow) continue;
    try {
      frames[i].contentWindow.postMessage({ type: "frontline-atlas:hello", version: 1 }, origin);
    } catch (error) {
      // a frame that cannot be written to is not ours
    }
  }
})();
