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

  // The offering form's provider search: the providers found are listed as
  // one types, from the public API, instead of at the next save.
  document.querySelectorAll('input[data-provider-search]').forEach(function (search) {
    var name = search.getAttribute('data-provider-search');
    var found = document.getElementById(search.getAttribute('aria-controls'));
    var outcome = found.querySelector('.found');
    var hint = document.getElementById(search.getAttribute('aria-describedby'));
    hint.textContent = hint.getAttribute('data-scripted-hint');
    var pending;
    var asked = 0;
    function show(words, page) {
      found.querySelectorAll('label').forEach(function (label) {
        if (!label.querySelector('input:checked')) { label.remove(); }
      });
      var chosen = found.querySelector('input:checked');
      page.items.forEach(function (provider) {
        if (chosen && chosen.value === provider.key) { return; }
        var label = document.createElement('label');
        var radio = document.createElement('input');
        radio.type = 'radio';
        radio.name = name;
        radio.value = provider.key;
        label.appendChild(radio);
        label.appendChild(document.createTextNode(' ' + provider.name));
        found.appendChild(label);
      });
      var total = page.total;
      outcome.textContent = total === 0 ? 'No provider found for “' + words + '”.'
        : total <= page.items.length ? 'Found for “' + words + '”: ' + total + '.'
          : 'Found for “' + words + '”: ' + total + ', of which the first ' + page.items.length
            + ' are shown. Type more of the name to narrow it.';
    }
    function lookUp() {
      var words = search.value.trim();
      if (words === '') { return; }
      var ticket = ++asked;
      fetch('/api/v1/providers?q=' + encodeURIComponent(words), { headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        // Only the latest search is shown, whichever answer comes last.
        .then(function (page) { if (ticket === asked) { show(words, page); } })
        // Without an answer the form still works: a save lists them.
        .catch(function () {});
    }
    search.addEventListener('input', function () {
      clearTimeout(pending);
      pending = setTimeout(lookUp, 250);
    });
    search.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); clearTimeout(pending); lookUp(); }
    });
    // A provider chosen ends the search, so the next save saves.
    found.addEventListener('change', function () { search.value = ''; });
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
