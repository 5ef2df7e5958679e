// Sequence builder convenience: show only the fields of the chosen branch condition or action.
// The page works without it (every field is shown and only the relevant ones are used).
(function () {
  function update(select) {
    document.querySelectorAll('[data-show-when="' + select.name + '"]').forEach(function (el) {
      el.hidden = el.dataset.showValues.split(" ").indexOf(select.value) < 0;
    });
  }
  document.querySelectorAll("[data-show-when]").forEach(function (el) {
    var select = document.getElementsByName(el.dataset.showWhen)[0];
    if (select && !select.dataset.showBound) {
      select.dataset.showBound = "1";
      select.addEventListener("change", function () { update(select); });
      update(select);
    }
  });
})();
