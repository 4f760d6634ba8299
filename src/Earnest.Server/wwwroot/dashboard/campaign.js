// One campaign: upload its tasks, fund and publish it, watch it live (figures and charts follow the event stream),
// read and download its results, close it with a refund.
import { t } from '../shared/i18n.js';
import * as fmt from '../shared/format.js';
import { bars, lines } from '../shared/chart.js';
import { $, h, say, describe, throttle } from './dom.js';
import { call, money, balanceOf, refreshAccount } from './session.js';
import { parseTasks, TaskFileError } from './tasks.js';

/** Rows the results and contributor tables show; the CSV has them all. */
const SHOWN = 100;
/** Tasks per add-tasks call, and the body size aimed at (the server takes 10,000 tasks and 16 MiB). */
const BATCH_TASKS = 5_000;
const BATCH_BYTES = 8 * 1024 * 1024;

const view = { id: null, campaign: null, stats: null, results: null, parsed: null, busy: false };
let onAccountChange = () => {};

// The figures, built once so each keeps its element (and its accessible name) while the numbers change.
const FIGURES = ['tasks', 'done', 'submissions', 'accepted', 'rejected', 'pending', 'spent', 'escrow', 'refunded'];
const figures = Object.fromEntries(FIGURES.map((key) => {
  const label = h('label', { id: `${key}-label`, for: `figure-${key}` });
  const value = h('output', { id: `figure-${key}`, 'aria-live': 'polite' });
  const box = h('div', { class: key === 'spent' ? 'figure wide' : 'figure' }, label, value);
  $('figures').append(box);
  return [key, { label, value, box }];
}));

function enc(id) {
  return encodeURIComponent(id);
}

/** Shows a campaign (the dashboard has shown its screen). */
export function open(id) {
  if (view.id !== id) {
    Object.assign(view, { id, campaign: null, stats: null, results: null, parsed: null, busy: false });
    $('campaign-heading').textContent = t('loading');
    $('campaign-meta').textContent = '';
    $('task-file').value = '';
    for (const el of ['campaign-alert', 'campaign-notice', 'upload-error', 'upload-preview', 'publish-error', 'close-error']) say($(el), null);
    for (const el of ['progress', 'upload', 'publish', 'charts', 'results', 'close', 'upload-sample']) $(el).hidden = true;
    $('close-confirm').hidden = true;
  }
  loadLive().then(loadResults).catch(() => {});
}

/** The dashboard left the campaign screen. */
export function leave() {
  view.id = null;
}

/** An event said something changed in a campaign (null: anything may have). */
export function progress(campaignId) {
  if (view.id === null || (campaignId !== null && campaignId !== view.id)) return;
  refreshLive();
  refreshResults();
}

/** The balance changed: the publish step shows it. */
export function accountChanged() {
  if (view.campaign) render();
}

export function rerender() {
  if (view.campaign) render();
}

async function loadLive() {
  const id = view.id;
  if (id === null) return;
  let campaign;
  let stats = null;
  try {
    campaign = await call('GET', `/v1/campaigns/${enc(id)}`);
    if (campaign.status !== 'draft') stats = await call('GET', `/v1/campaigns/${enc(id)}/stats`);
  } catch (error) {
    if (view.id !== id) return;
    if (error.status === 404) {
      $('campaign-heading').textContent = t('campaign.notFound');
      say($('campaign-alert'), () => t('campaign.notFound.detail'));
    } else {
      say($('campaign-alert'), () => describe(error));
    }
    throw error;
  }
  if (view.id !== id) return;
  say($('campaign-alert'), null);
  view.campaign = campaign;
  view.stats = stats;
  render();
}

async function loadResults() {
  const id = view.id;
  if (id === null || !view.campaign || view.campaign.status === 'draft') return;
  const results = await call('GET', `/v1/campaigns/${enc(id)}/results`);
  if (view.id !== id) return;
  view.results = results;
  renderCharts();
  renderResults();
}

const refreshLive = throttle(loadLive, 500);
const refreshResults = throttle(loadResults, 1500);

// ---- rendering -----------------------------------------------------------------------------------------------

function render() {
  const c = view.campaign;
  $('campaign-heading').textContent = c.title;
  $('campaign-meta').replaceChildren(
    h('span', { class: `badge ${c.status}`, text: t(`status.${c.status}`) }), ' ',
    t('campaign.meta', { reward: money(c.reward, c.asset), overlap: fmt.number(c.overlap), labels: c.labels.join(', ') }));

  const regular = c.tasks - c.goldTasks;
  const values = {
    tasks: t('figure.tasksValue', { tasks: fmt.number(c.tasks), gold: fmt.number(c.goldTasks) }),
    done: t('figure.doneValue', { done: fmt.number(c.tasksDone), total: fmt.number(regular) }),
    submissions: fmt.number(c.submissions),
    accepted: fmt.number(c.accepted),
    rejected: fmt.number(c.rejected),
    pending: fmt.number(c.pending),
    spent: t('figure.ofBudget', { spent: money(c.spent, c.asset), budget: money(c.budget, c.asset) }),
    escrow: money(c.escrow, c.asset),
    refunded: money(c.refunded, c.asset),
  };
  for (const key of FIGURES) {
    const { label, value, box } = figures[key];
    label.textContent = t(`figure.${key}`);
    if (value.textContent !== values[key]) value.textContent = values[key];
    box.hidden = (c.status === 'draft' && !['tasks', 'spent'].includes(key)) || (key === 'refunded' && c.status !== 'closed');
  }
  $('done-bar').max = Math.max(1, regular);
  $('done-bar').value = c.tasksDone;
  $('done-bar').hidden = c.status === 'draft';

  // A draft's next steps are upload and publish; an open campaign's upload (more tasks) comes after its results.
  // Moved only when out of place: moving an element takes the focus out of it.
  const next = c.status === 'draft' ? $('publish') : $('close');
  if ($('upload').nextElementSibling !== next) next.before($('upload'));
  $('progress').hidden = false;
  $('upload').hidden = c.status === 'closed';
  $('publish').hidden = c.status !== 'draft';
  $('charts').hidden = c.status === 'draft';
  $('results').hidden = c.status === 'draft';
  $('close').hidden = c.status === 'closed';

  renderUpload();
  renderPublish();
  renderClose();
  renderCharts();
  renderResults();
}

function renderPublish() {
  const c = view.campaign;
  if (c.status !== 'draft') return;
  const balance = balanceOf(c.asset);
  const text = [t('publish.text', { budget: money(c.budget, c.asset), balance: money(balance, c.asset) })];
  if (c.tasks === 0) text.push(t('publish.noTasks'));
  else if (balance < c.budget) text.push(t('publish.short', { missing: money(c.budget - balance, c.asset) }));
  $('publish-text').textContent = text.join(' ');
  $('publish-button').disabled = c.tasks === 0 || view.busy;
}

function renderClose() {
  const c = view.campaign;
  $('close-text').textContent = c.status === 'draft' ? t('close.text.draft') : t('close.text.open');
  $('close-confirm-text').textContent = c.status === 'draft'
    ? t('close.confirm.draft')
    : t('close.confirm.open', { escrow: money(c.escrow, c.asset) });
}

// ---- charts --------------------------------------------------------------------------------------------------

function widthOf(el) {
  return Math.max(240, Math.round(el.clientWidth || 320));
}

/** A chart in its figure: a visible title (the SVG carries the same as its accessible name), then a caption. */
function place(id, svg, ...caption) {
  const title = svg.querySelector('title').textContent;
  $(id).replaceChildren(h('p', { class: 'chart-title', 'aria-hidden': 'true', text: title }), svg, h('figcaption', {}, ...caption));
}

function legend(items) {
  return h('span', { class: 'legend' }, items.map(([name, className]) =>
    h('span', { class: `key ${className}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), name)));
}

/** A bucket bound in milliseconds, short: "500ms", "2s", "5min". */
function bound(ms) {
  if (ms < 1000) return `${fmt.number(ms)}ms`;
  if (ms < 60_000) return `${fmt.number(ms / 1000)}s`;
  return `${fmt.number(ms / 60_000)}min`;
}

/**
 * The time-to-paid histogram as bars: the buckets around those that hold payments (at least four), merged in equal
 * groups when there are more than the width shows legibly. Each bar is named by its upper bound; the open last one
 * by its lower bound.
 */
function paidBars(buckets, width) {
  const used = buckets.map((b, i) => (b.count > 0 ? i : -1)).filter((i) => i >= 0);
  let from = used.length ? Math.max(0, used[0] - 1) : 6;
  let to = used.length ? Math.min(buckets.length - 1, used.at(-1) + 1) : 10;
  while (to - from < 3 && (from > 0 || to < buckets.length - 1)) {
    if (to < buckets.length - 1) to++;
    else from--;
  }
  const shown = to - from + 1;
  const group = Math.ceil(shown / Math.max(4, Math.floor(width / 40)));
  const items = [];
  for (let first = from; first <= to; first += group) {
    const last = Math.min(to, first + group - 1);
    const value = buckets.slice(first, last + 1).reduce((n, b) => n + b.count, 0);
    const upTo = buckets[last].upTo;
    items.push({ label: upTo === null ? `>${bound(buckets[first - 1]?.upTo ?? 0)}` : bound(upTo), value });
  }
  return items;
}

function renderCharts() {
  const c = view.campaign;
  if (!c || c.status === 'draft') return;
  const timeline = view.stats?.timeline ?? [];
  const at = (p) => Date.parse(p.at);
  const count = (n) => fmt.number(n);

  place('chart-decisions', lines(t('chart.decisions'), [
    { name: t('figure.accepted'), className: 'good', points: timeline.map((p) => ({ x: at(p), y: p.accepted })) },
    { name: t('figure.rejected'), className: 'bad', points: timeline.map((p) => ({ x: at(p), y: p.rejected })) },
  ], { width: widthOf($('chart-decisions')), format: count }),
  legend([[t('figure.accepted'), 'good'], [t('figure.rejected'), 'bad']]));

  place('chart-spend', lines(t('chart.spend'), [
    { name: t('figure.spent'), points: timeline.map((p) => ({ x: at(p), y: p.spent })) },
  ], { width: widthOf($('chart-spend')), format: (v) => money(v, c.asset) }),
  t('chart.spend.caption', { spent: money(c.spent, c.asset), budget: money(c.budget, c.asset) }));

  const paid = view.stats?.timeToPaid ?? { count: 0, buckets: [] };
  const paidWidth = widthOf($('chart-paid'));
  place('chart-paid', bars(t('chart.paid'), paidBars(paid.buckets ?? [], paidWidth), { width: paidWidth, format: count }),
    paid.count > 0
      ? t('chart.paid.caption', { count: count(paid.count), p50: fmt.duration(paid.p50), p95: fmt.duration(paid.p95), p99: fmt.duration(paid.p99) })
      : t('chart.paid.none'));

  // Contributor quality: the aggregator's estimate of each contributor's accuracy.
  const contributors = view.results?.contributors ?? [];
  const edges = [0, 0.5, 0.6, 0.7, 0.8, 0.9];
  const quality = edges.map((low, i) => ({
    label: i === 0 ? '< 50%' : `${fmt.number(low * 100)}%+`,
    value: contributors.filter((x) => x.modelQuality >= low && (i === edges.length - 1 || x.modelQuality < edges[i + 1])).length,
  }));
  place('chart-quality', bars(t('chart.quality'), quality, { width: widthOf($('chart-quality')), format: count }),
    t('chart.quality.caption', { count: count(contributors.length) }));
}

// ---- results -------------------------------------------------------------------------------------------------

function renderResults() {
  const c = view.campaign;
  const results = view.results;
  if (!c || c.status === 'draft' || !results) return;
  const rows = results.results;
  $('results-summary').textContent = t('results.summary', { aggregator: results.aggregator });
  $('results-body').replaceChildren(...rows.slice(0, SHOWN).map((r) => h('tr', {},
    h('th', { scope: 'row', class: 'mono', text: r.taskId }),
    h('td', { text: r.answer ?? '—' }),
    h('td', { text: r.confidence === null ? '—' : fmt.percent(r.confidence, 1) }),
    h('td', { text: fmt.number(r.submissions) }),
    h('td', { text: r.gold ? t('results.gold') : r.decided ? t('results.yes') : t('results.notYet') }))));
  say($('results-more'), rows.length > SHOWN
    ? () => t('results.more', { shown: fmt.number(SHOWN), total: fmt.number(rows.length) })
    : null);

  const people = results.contributors;
  $('contributors-empty').hidden = people.length > 0;
  $('contributors-wrap').hidden = people.length === 0;
  $('contributors-body').replaceChildren(...people.slice(0, SHOWN).map((p) => h('tr', {},
    h('th', { scope: 'row', class: 'mono', title: p.address, text: fmt.shortAddress(p.address) }),
    h('td', { text: fmt.number(p.submissions) }),
    h('td', { text: fmt.number(p.accepted) }),
    h('td', { text: p.goldAnswered > 0 ? `${fmt.number(p.goldCorrect)} / ${fmt.number(p.goldAnswered)}` : '—' }),
    h('td', { text: fmt.percent(p.modelQuality, 0) }))));
}

$('download-csv').addEventListener('click', async () => {
  const button = $('download-csv');
  button.disabled = true;
  try {
    const csv = await call('GET', `/v1/campaigns/${enc(view.id)}/results`, undefined, { accept: 'text/csv' });
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const link = h('a', { href: url, download: `results-${view.id}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    say($('campaign-alert'), () => describe(error));
  } finally {
    button.disabled = false;
  }
});

// ---- upload --------------------------------------------------------------------------------------------------

function renderUpload() {
  const parsed = view.parsed;
  // While an upload or a publish runs, a refresh must not enable its button again.
  $('upload-button').disabled = !parsed || view.busy;
  $('task-file').disabled = view.busy;
  const sample = $('upload-sample');
  sample.hidden = !parsed;
  if (!parsed) return;
  sample.replaceChildren(h('table', {},
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: t('upload.col.id') }),
      h('th', { scope: 'col', text: t('upload.col.gold') }),
      h('th', { scope: 'col', text: t('upload.col.data') }))),
    h('tbody', {}, parsed.tasks.slice(0, 5).map((task) => h('tr', {},
      h('th', { scope: 'row', class: 'mono', text: task.id }),
      h('td', { text: task.gold ?? '—' }),
      h('td', { class: 'mono', text: JSON.stringify(task.data) }))))));
}

function fileMessage(error) {
  return () => `${t(`upload.error.${error.code}`, { ...error.values, line: error.line })} ${t('upload.nothing')}`;
}

$('task-file').addEventListener('change', async () => {
  const file = $('task-file').files[0];
  view.parsed = null;
  say($('upload-error'), null);
  say($('upload-preview'), null);
  if (file && view.campaign) {
    try {
      const parsed = parseTasks(await file.text(), view.campaign.labels);
      view.parsed = parsed;
      say($('upload-preview'), () => t('upload.preview', {
        tasks: fmt.number(parsed.tasks.length), gold: fmt.number(parsed.gold), format: t(`upload.format.${parsed.format}`),
      }));
    } catch (error) {
      say($('upload-error'), error instanceof TaskFileError ? fileMessage(error) : () => describe(error));
    }
  }
  renderUpload();
});

/** Batches of tasks small enough for one add-tasks call each. */
function batches(tasks) {
  const all = [];
  let current = [];
  let bytes = 0;
  for (const task of tasks) {
    const size = JSON.stringify(task.data).length + task.id.length + (task.gold?.length ?? 0) + 40;
    if (current.length > 0 && (current.length >= BATCH_TASKS || bytes + size > BATCH_BYTES)) {
      all.push(current);
      current = [];
      bytes = 0;
    }
    current.push(task);
    bytes += size;
  }
  if (current.length) all.push(current);
  return all;
}

$('upload-button').addEventListener('click', async () => {
  const parsed = view.parsed;
  const id = view.id;
  if (!parsed || view.busy) return;
  view.busy = true;
  renderUpload();
  say($('upload-error'), null);
  let added = 0;
  let existing = 0;
  let sent = 0;
  try {
    for (const batch of batches(parsed.tasks)) {
      say($('upload-preview'), () => t('upload.sending', { sent: fmt.number(sent), total: fmt.number(parsed.tasks.length) }));
      try {
        const answer = await call('POST', `/v1/campaigns/${enc(id)}/tasks`, {
          tasks: batch.map((task) => (task.gold === null ? { id: task.id, data: task.data } : { id: task.id, data: task.data, gold: task.gold })),
        });
        added += answer.added;
        existing += answer.existing;
        sent += batch.length;
      } catch (error) {
        // The server names the task at fault as tasks[i]: say which line of the file it came from.
        const field = Object.keys(error.errors ?? {}).find((k) => /^tasks\[\d+\]/.test(k));
        const line = field ? batch[Number(/^tasks\[(\d+)\]/.exec(field)[1])]?.line : null;
        const detail = field ? error.errors[field].join(' ') : error.message;
        const done = sent;
        say($('upload-error'), () => [
          line ? t('upload.error.server', { line, detail }) : describe(error),
          done > 0 ? t('upload.partial', { sent: fmt.number(done) }) : t('upload.nothing'),
        ].join(' '));
        say($('upload-preview'), null);
        return;
      }
    }
    view.parsed = null;
    $('task-file').value = '';
    say($('upload-preview'), () => t('upload.done', { added: fmt.number(added), existing: fmt.number(existing) }));
  } finally {
    view.busy = false;
    renderUpload();
    if (view.id === id) await loadLive().catch(() => {});
  }
});

// ---- publish and close ---------------------------------------------------------------------------------------

$('publish-button').addEventListener('click', async () => {
  const c = view.campaign;
  if (view.busy) return;
  view.busy = true;
  $('publish-button').disabled = true;
  say($('publish-error'), null);
  try {
    const published = await call('POST', `/v1/campaigns/${enc(c.id)}/publish`);
    say($('campaign-notice'), () => t('publish.done', { escrow: money(published.escrow, c.asset) }));
    await refreshAccount();
    onAccountChange();
    await loadLive();
    await loadResults();
    $('progress-heading').scrollIntoView?.({ block: 'start' });
  } catch (error) {
    if (error.status === 409) {
      await refreshAccount().catch(() => {});
      onAccountChange();
      const balance = balanceOf(c.asset);
      say($('publish-error'), balance < c.budget
        ? () => t('publish.error.short', { budget: money(c.budget, c.asset), balance: money(balanceOf(c.asset), c.asset) })
        : () => describe(error));
    } else {
      say($('publish-error'), () => describe(error));
    }
  } finally {
    view.busy = false;
    if (view.campaign) renderPublish();
  }
});

/** The dashboard redraws the account when publish or close moved money. */
export function onAccount(callback) {
  onAccountChange = callback;
}

$('close-button').addEventListener('click', () => {
  $('close-confirm').hidden = false;
  $('close-yes').focus();
});
$('close-no').addEventListener('click', () => {
  $('close-confirm').hidden = true;
  $('close-button').focus();
});
$('close-yes').addEventListener('click', async () => {
  const c = view.campaign;
  $('close-yes').disabled = true;
  say($('close-error'), null);
  try {
    const closed = await call('POST', `/v1/campaigns/${enc(c.id)}/close`);
    $('close-confirm').hidden = true;
    say($('campaign-notice'), () => t('close.done', { refunded: money(closed.refunded, c.asset) }));
    await refreshAccount();
    onAccountChange();
    await loadLive();
    await loadResults();
    $('campaign-heading').focus();
  } catch (error) {
    say($('close-error'), () => describe(error));
  } finally {
    $('close-yes').disabled = false;
  }
});
