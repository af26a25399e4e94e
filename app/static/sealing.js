// While the record is being sealed (after the response to the last agreement), ask the status
// endpoint every couple of seconds and show the download form once it is sealed. Without
// JavaScript the page keeps its refresh link, which renders the same form when it is ready.
(function () {
  var sealing = document.getElementById("sealing");
  var form = document.getElementById("sealed-download");
  if (!sealing || !form || !window.fetch) { return; }
  var url = sealing.getAttribute("data-status-url");
  var message = document.getElementById("sealing-message");
  var refresh = document.getElementById("sealing-refresh");
  var tries = 0;

  function check() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.sealed) {
          message.textContent = "Everyone has agreed and the record is sealed. You have also been emailed a link to download it.";
          if (refresh) { refresh.hidden = true; }
          form.hidden = false;
        } else if (tries < 150) {  // about five minutes; after that the refresh link remains
          window.setTimeout(check, 2000);
        }
      })
      .catch(function () { if (tries < 150) { window.setTimeout(check, 5000); } });
  }
  window.setTimeout(check, 1000);
})();
