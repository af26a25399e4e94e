// Record that the document was displayed. Opening the link itself changes nothing (mail
// filters open links); this request is made only by a browser that ran the page.
(function () {
  var doc = document.getElementById("document");
  if (!doc || !window.fetch) { return; }
  fetch(doc.getAttribute("data-viewed-url"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": doc.getAttribute("data-csrf") }
  }).catch(function () {});
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
