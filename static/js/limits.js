// Long texts: say the limit while the person types, and before the form is sent. Without
// JavaScript the server says the same and keeps the text, so this only saves a round trip.
// The messages come translated from the page (data-count-message, data-limit-message).
(function () {
  "use strict";

  function format(message, count, limit) {
    return message.replace("%(count)s", count).replace("%(limit)s", limit);
  }

  function length(text) {
    // Characters as the server counts them (code points, line breaks as one).
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function watch(area) {
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    if (!limit || !area.form) {
      return;
    }
    var note = document.createElement("p");
    note.id = area.id + "-count";
    note.className = "char-count muted";
    note.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", note);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", described ? described + " " + note.id : note.id);

    function update() {
      var count = length(area.value);
      var over = count > limit;
      note.textContent = format(
        area.getAttribute(over ? "data-limit-message" : "data-count-message"),
        count,
        limit
      );
      note.classList.toggle("char-count-over", over);
      note.setAttribute("role", over ? "alert" : "status");
      return over;
    }

    area.addEventListener("input", update);
    area.form.addEventListener("submit", function (event) {
      if (update()) {
        event.preventDefault();
        area.focus();
      }
    });
    update();
  }

  document.querySelectorAll("textarea[data-limit]").forEach(watch);
})();
