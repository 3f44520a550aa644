// The filter of an HTML transcript: shows the form (hidden without
// JavaScript) and hides every entry that does not match its text, direction
// and kind. Written without the characters XML escapes, so the page stays
// well-formed; its SHA-256 is in the page's Content-Security-Policy.
(function () {
  'use strict';
  const form = document.getElementById('filter');
  const text = document.getElementById('text');
  const direction = document.getElementById('direction');
  const kind = document.getElementById('kind');
  const shown = document.getElementById('shown');
  const entries = Array.from(document.querySelectorAll('main > *'));
  const messages = entries.filter(function (e) { return e.tagName === 'SECTION'; }).length;
  function matches(entry, wanted, dir, knd) {
    const dirOk = dir === '' || (entry.dataset.dir || 'console') === dir;
    const kindOk = knd === '' || (entry.dataset.kind || 'note') === knd;
    const textOk = wanted === '' || entry.textContent.toLowerCase().includes(wanted);
    return [dirOk, kindOk, textOk].every(Boolean);
  }
  function apply() {
    const wanted = text.value.toLowerCase();
    let count = 0;
    for (const entry of entries) {
      const show = matches(entry, wanted, direction.value, kind.value);
      entry.hidden = !show;
      if (show) { count += entry.tagName === 'SECTION' ? 1 : 0; }
    }
    shown.textContent = count + ' of ' + messages + ' messages shown';
  }
  for (const control of [text, direction, kind]) {
    control.addEventListener('input', apply);
  }
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
})();
