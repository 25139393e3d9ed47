// The editors' text page works without JavaScript ("Bekijk en controleer" shows the check and the
// preview). This adds the check while typing: the form is posted to .../controle (with the CSRF
// token, as a normal form), and the answer is shown in the #controle live region.
(function () {
  "use strict";
  var form = document.querySelector("form[data-check]");
  var region = document.getElementById("controle");
  if (!form || !region || !window.fetch) return;
  var timer = null;
  var seq = 0;

  function render(answer) {
    region.textContent = "";
    var heading = document.createElement("p");
    heading.className = "finding-kind";
    var errors = (answer.findings || []).filter(function (f) { return f.severity === "error"; });
    if (answer.error) heading.textContent = answer.error;
    else if (errors.length) heading.textContent = "Controle: " + errors.length + " punt" + (errors.length === 1 ? "" : "en") + " moet anders voordat u kunt publiceren.";
    else heading.textContent = "Controle: u kunt deze tekst publiceren.";
    region.appendChild(heading);
    var list = document.createElement("ul");
    list.className = "findings";
    (answer.findings || []).forEach(function (f) {
      var item = document.createElement("li");
      item.className = "finding finding-" + f.severity;
      var kind = document.createElement("span");
      kind.className = "finding-kind";
      kind.textContent = (f.severity === "error" ? "Moet anders" : "Advies") + (f.variation ? " (variant " + f.variation + ")" : "") + ": ";
      item.appendChild(kind);
      item.appendChild(document.createTextNode(f.message));
      list.appendChild(item);
    });
    if (list.children.length) region.appendChild(list);
  }

  function check() {
    var mine = ++seq;
    fetch(form.getAttribute("data-check"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && mine === seq) render(answer); })
      .catch(function () { /* the button "Bekijk en controleer" still works */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
})();
