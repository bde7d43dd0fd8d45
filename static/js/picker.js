// A long <select> (the target authority: a hundred and more) gets a search box that hides the
// options whose text does not hold what is typed, diacritics and case aside. Without
// JavaScript the select is grouped by country and county, and typing on it jumps to a name.
(function () {
  "use strict";

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  function enhance(select) {
    var wrapper = document.createElement("div");
    wrapper.className = "picker-filter";
    var label = document.createElement("label");
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-filter";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    label.htmlFor = input.id;
    label.textContent = select.getAttribute("data-filter-label");
    var status = document.createElement("small");
    status.id = select.id + "-filter-status";
    status.className = "muted";
    status.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", status.id);
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    wrapper.appendChild(status);
    select.insertAdjacentElement("beforebegin", wrapper);

    var template = select.getAttribute("data-filter-count") || "%(count)s";
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var shown = 0;
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
          var match = !wanted || fold(option.textContent).indexOf(wanted) !== -1;
          option.hidden = !match;
          if (match) {
            any = true;
            shown += 1;
          }
        });
        group.hidden = !any;
      });
      status.textContent = wanted ? template.replace("%(count)s", shown) : "";
    });
  }

  document.querySelectorAll("select[data-filter-label]").forEach(enhance);
})();
