// Starts Swagger UI on the page's own OpenAPI document; a file, not an inline script, so the page works
// under a Content-Security-Policy that forbids inline scripts. Every asset is served by the platform.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    domNode: container,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout"
  });
});
