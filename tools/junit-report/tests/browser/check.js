// Appended to a copy of an itest-report HTML page and run by headless Chromium
// (report_outputs.html_in_a_browser): what a reader sees, measured in the laid-out page. Writes
// one line per finding into a pre element with the id verdict, "ok" when there is none.
window.addEventListener('load', function () {
  var problems = [];
  var facts = document.querySelectorAll('#facts tr');
  if (facts.length === 0) problems.push('no run facts at the top');
  var first = document.querySelector('h1');
  var table = document.getElementById('facts');
  if (table && first && table.previousElementSibling !== first)
    problems.push('the run facts do not come right after the title');
  var cases = document.querySelectorAll('#cases tr');
  var summary = document.querySelector('#cases summary');
  if (!summary) problems.push('no per-case list');
  else if (cases.length < 2) problems.push('the per-case list is empty');
  var svgs = document.querySelectorAll('svg.chart');
  if (svgs.length < 3) problems.push('expected 3 charts, found ' + svgs.length);
  svgs.forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.width === 0) return;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 ||
          r.bottom > box.bottom + 0.5)
        problems.push(svg.getAttribute('aria-label') + ': label "' + t.textContent +
                      '" is cut off (' + Math.round(r.left - box.left) + '..' +
                      Math.round(r.right - box.left) + ' of ' + Math.round(box.width) + ' px)');
    });
  });
  // labels under the histogram must not run into each other
  var ticks = [];
  var hist = document.querySelector('svg[aria-label="duration histogram"]');
  if (hist) hist.querySelectorAll('text[text-anchor="middle"]').forEach(function (t) {
    ticks.push(t.getBoundingClientRect());
  });
  for (var i = 1; i < ticks.length; i++)
    if (ticks[i].top === ticks[i - 1].top && ticks[i].left < ticks[i - 1].right)
      problems.push('histogram edge labels ' + (i - 1) + ' and ' + i + ' overlap');
  var out = document.createElement('pre');
  out.id = 'verdict';
  out.textContent = problems.length ? problems.join('\n') : 'ok';
  document.body.appendChild(out);
});
