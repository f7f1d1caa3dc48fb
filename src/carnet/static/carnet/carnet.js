// Carnet's few behaviours that need a script. Every page also works without it:
// forms post normally and the server does the rest.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Selects marked data-autosubmit (the organization switcher) submit on change.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit();
    }
  });

  // --- Client list: "select all" and the selection count --------------------------------
  function updateSelection(form) {
    if (!form) return;
    var boxes = form.querySelectorAll('input[type="checkbox"][name="ids"]');
    var checked = form.querySelectorAll('input[type="checkbox"][name="ids"]:checked').length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var count = form.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = checked ? checked + " / " + boxes.length : "";
    }
    form.querySelectorAll('input[name="ids"]').forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "checkbox") return;
    if (target.hasAttribute("data-select-all")) {
      var name = target.getAttribute("data-select-all");
      target.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = target.checked;
      });
      updateSelection(target.form);
    } else if (target.name === "ids") {
      updateSelection(target.form);
    }
  });

  // --- Client form: show the sections of the chosen kind --------------------------------
  function applyKind(form) {
    var checked = form.querySelector('input[name="kind"]:checked');
    if (!checked) return;
    form.querySelectorAll("[data-kind-section]").forEach(function (section) {
      // A section holding an error stays visible: the user must be able to fix it.
      var other = section.getAttribute("data-kind-section") !== checked.value;
      section.hidden = other && !section.querySelector(".has-error");
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.name === "kind" && target.form) {
      applyKind(target.form);
    }
  });

  // --- Record page: inline rename --------------------------------------------------------
  // Enter saves by leaving the field (htmx posts on "change"); Escape puts back the saved name.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.hasAttribute("data-inline-rename")) return;
    if (!window.htmx) return; // without htmx, Enter submits the form normally
    if (event.key === "Enter") {
      event.preventDefault();
      target.blur();
    } else if (event.key === "Escape") {
      target.value = target.getAttribute("data-saved-name") || target.defaultValue;
      target.blur();
    }
  });

  // --- Client picker: choose a suggestion, move through them with the arrow keys --------
  function pickerOf(element) { return element.closest("[data-client-picker]"); }

  function choose(option) {
    var picker = pickerOf(option);
    var search = picker.querySelector('input[type="search"]');
    picker.querySelector("[data-picker-value]").value = option.getAttribute("data-picker-id");
    search.value = option.getAttribute("data-picker-label");
    picker.querySelector(".picker-results").innerHTML = "";
    search.setAttribute("aria-expanded", "false");
    search.focus();
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".picker-option");
    if (option && pickerOf(option)) choose(option);
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.type === "search" && pickerOf(target)) {
      // Typing again forgets the previous choice until a suggestion is chosen.
      pickerOf(target).querySelector("[data-picker-value]").value = "";
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement) || !pickerOf(target)) return;
    var picker = pickerOf(target);
    var options = Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
    var index = options.indexOf(target);
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      options[Math.min(index + 1, options.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) picker.querySelector('input[type="search"]').focus();
      else options[index - 1].focus();
    } else if (event.key === "Escape") {
      picker.querySelector(".picker-results").innerHTML = "";
    } else if (event.key === "Enter" && target.matches('input[type="search"]') && options.length) {
      event.preventDefault(); // Enter in the box picks the first suggestion, not the form
      choose(options[0]);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.target;
    if (results.classList && results.classList.contains("picker-results")) {
      var search = pickerOf(results).querySelector('input[type="search"]');
      search.setAttribute("aria-expanded", results.children.length ? "true" : "false");
    }
  });

  function init(root) {
    root.querySelectorAll("form.client-form").forEach(applyKind);
    root.querySelectorAll("#bulk-form").forEach(updateSelection);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
