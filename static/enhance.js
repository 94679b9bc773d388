// Every page works without this script. Where it runs, it adds what a
// little scripting can: a filter over long lists of choices, a summary of
// what is chosen that keeps up, and a count of the characters left in
// long text.
(function () {
  'use strict';

  function labelText(input) {
    return input.parentNode.textContent.trim();
  }

  document.querySelectorAll('details.picker').forEach(function (picker) {
    var list = picker.querySelector('.choices');
    var chosen = picker.querySelector('summary .chosen');
    var legend = picker.querySelector('legend');
    list.addEventListener('change', function () {
      var names = Array.prototype.map.call(list.querySelectorAll('input:checked'), labelText);
      chosen.textContent = names.length ? names.join(', ') : 'none chosen';
    });
    // A short list is read at a glance; a filter helps only a long one.
    if (list.querySelectorAll('label').length < 20) { return; }
    var filter = document.createElement('input');
    filter.type = 'search';
    filter.className = 'filter';
    filter.setAttribute('aria-label', 'Filter the list of ' + legend.textContent.toLowerCase());
    filter.placeholder = 'Type to filter the list';
    list.parentNode.insertBefore(filter, list);
    filter.addEventListener('input', function () {
      var words = filter.value.trim().toLowerCase();
      list.querySelectorAll('label').forEach(function (label) {
        label.hidden = words !== '' && label.textContent.toLowerCase().indexOf(words) === -1;
      });
    });
    // Enter in the filter box would send the form half-filled.
    filter.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); }
    });
  });

  document.querySelectorAll('textarea[maxlength]').forEach(function (area) {
    var max = Number(area.getAttribute('maxlength'));
    var count = document.createElement('p');
    count.className = 'hint';
    count.id = area.id + '-count';
    // Read out once typing pauses, not at every key.
    count.setAttribute('aria-live', 'polite');
    area.insertAdjacentElement('afterend', count);
    var pending;
    function update() {
      var left = max - area.value.length;
      count.textContent = 'You have ' + left.toLocaleString('en') + ' character' + (left === 1 ? '' : 's') + ' left.';
    }
    area.addEventListener('input', function () {
      clearTimeout(pending);
      pending = setTimeout(update, 500);
    });
    update();
  });
}());
