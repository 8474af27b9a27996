// The console's only script, and an optional one: copy buttons and charts. Everything else works
// with JavaScript off; every chart is drawn from the table that sits beside it.
(() => {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = 'Copied';
    });
  }

  if (typeof window.uPlot !== 'function') return;
  const palette = ['#1565c0', '#2e7d32', '#c62828', '#6a1b9a'];
  for (const figure of document.querySelectorAll('figure[data-chart]')) {
    const table = figure.querySelector('table.chart-data');
    const canvas = figure.querySelector('.chart-canvas');
    if (!table || !canvas) continue;
    const names = [...table.querySelectorAll('thead th[data-series]')].map((th) => th.dataset.series);
    const rows = [...table.querySelectorAll('tbody tr')];
    const xs = rows.map((tr) => Number(tr.querySelector('[data-t]').dataset.t));
    const series = names.map((_, i) => rows.map((tr) => Number(tr.querySelectorAll('[data-v]')[i].dataset.v)));
    const width = Math.max(320, Math.min(canvas.parentElement.clientWidth || 800, 1100));
    new window.uPlot(
      {
        width,
        height: 260,
        series: [{}, ...names.map((label, i) => ({ label, stroke: palette[i % palette.length], width: 2 }))],
        axes: [{}, { size: 70 }],
      },
      [xs, ...series],
      canvas,
    );
  }
})();
