// Finds ICD-10-CM codes by words as one types, on this server only (no third party), and offers
// them in the code field's list. Without JavaScript the finder is a plain GET form.
(function () {
  "use strict";
  var finder = document.querySelector("[data-icd-finder]");
  var input = document.getElementById("icd-find");
  var list = document.getElementById("icd-common");
  var shown = document.getElementById("icd-matches");
  if (!finder || !input || !list || !shown) { return; }
  var timer = null;
  function fill(results) {
    list.replaceChildren();
    shown.replaceChildren();
    results.forEach(function (r) {
      var option = document.createElement("option");
      option.value = r.code;
      option.textContent = r.code + " " + r.description;
      list.appendChild(option);
      var item = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = r.code;
      item.appendChild(code);
      item.appendChild(document.createTextNode(" " + r.description));
      shown.appendChild(item);
    });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var url = finder.dataset.url + "?q=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { fill(data.results); });
    }, 250);
  });
})();
