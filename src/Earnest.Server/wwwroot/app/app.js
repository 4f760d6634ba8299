// The contributor app: a wallet in the browser, open work, the task screen, payments with receipts checked here, and
// the history of answers and earnings. Plain DOM, hash routes (#/wallet, #/work, #/task/<campaign>, #/history,
// #/receipt/<transfer>), every string through i18n.
import { register, t, apply, languagePicker, language } from '/shared/i18n.js';
import { Api, ApiError } from '/shared/api.js';
import { Wallet, supported } from '/shared/wallet.js';
import { verifyReceipt } from '/shared/receipt.js';
import * as format from '/shared/format.js';
import { lines } from '/shared/chart.js';
import { strings, reasons } from './strings.js';

register(strings);

const SLOT = 'app';
const TOKEN = 'earnest.app.token';
const TASK = 'earnest.app.task';
const TITLES = 'earnest.app.titles';

const $ = (id) => document.getElementById(id);
const view = $('view');
const state = {
  api: new Api(),
  wallet: null,
  account: null,
  assets: new Map(),
  defaultAsset: null,
  signer: null,
  events: null,
  route: null,
  created: false,
  forgetting: false,
  work: null,
  campaign: null,
  task: null,
  taskLoading: false,
  submitting: false,
  history: null,
  notice: null,
  pending: new Set(),
  receipt: null,
};

/** Makes an element: props are attributes, except class, text and on<event> listeners; children may nest in arrays. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat(2).filter((c) => c != null && c !== false));
  return el;
}

const title = (key, text) => h('h2', { id: 'view-title', tabindex: '-1', text: text ?? t(key) });

function money(amount, asset) {
  return format.amount(amount, state.assets.get(asset) ?? 6, asset);
}

/** A server reason in the current language when its pattern is known; else as the server wrote it. */
function reason(text) {
  if (!text) return '';
  for (const [pattern, replacement] of reasons[language()] ?? []) {
    if (pattern.test(text)) return text.replace(pattern, replacement);
  }
  return text;
}

function titles() {
  try {
    return JSON.parse(localStorage.getItem(TITLES)) ?? {};
  } catch {
    return {};
  }
}

function rememberTitle(id, name) {
  const known = titles();
  if (known[id] === name) return;
  known[id] = name;
  const ids = Object.keys(known);
  for (const old of ids.slice(0, Math.max(0, ids.length - 200))) delete known[old];
  localStorage.setItem(TITLES, JSON.stringify(known));
}

// ---- errors and calls ----

function showError(e) {
  let text;
  if (e instanceof ApiError) text = e.status === 0 ? t('error.offline') : e.problem.detail || e.problem.title || e.message;
  else text = t('error.generic', { detail: e?.message ?? String(e) });
  $('alert').textContent = text;
}

function clearError() {
  $('alert').textContent = '';
}

/** An API call; an expired sign-in is renewed once with the wallet. */
async function call(method, path, body) {
  try {
    return await state.api.call(method, path, body);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401 || !state.wallet) throw e;
    await signIn(true);
    return state.api.call(method, path, body);
  }
}
const get = (path) => call('GET', path);
const post = (path, body = {}) => call('POST', path, body);

// ---- session ----

async function signIn(fresh = false) {
  let saved = null;
  try {
    saved = fresh ? null : JSON.parse(sessionStorage.getItem(TOKEN));
  } catch {
    saved = null;
  }
  if (saved?.address === state.wallet.address && Date.parse(saved.expiresAt) > Date.now() + 60_000) {
    state.api.token = saved.token;
  } else {
    const token = await state.api.signIn(state.wallet);
    sessionStorage.setItem(TOKEN, JSON.stringify({ address: state.wallet.address, ...token }));
  }
  followEvents();
}

/** Signs in, follows events and reads the balance; shows why when sign-in fails. */
async function startSession() {
  $('nav').classList.remove('hidden');
  try {
    await signIn();
  } catch (e) {
    $('alert').textContent = t('signin.failed', { detail: e.problem?.detail || e.problem?.title || e.message });
    return false;
  }
  await refreshAccount();
  return true;
}

function endSession() {
  state.events?.abort();
  state.events = null;
  state.api.token = null;
  state.wallet = null;
  state.account = null;
  state.notice = null;
  state.task = null;
  state.history = null;
  state.pending.clear();
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(TASK);
  $('nav').classList.add('hidden');
  drawBalance();
  drawNotice();
}

async function loadAssets() {
  try {
    for (const a of await state.api.get('/v1/assets')) state.assets.set(a.symbol, a.decimals);
    if (!state.defaultAsset) state.defaultAsset = state.assets.keys().next().value;
    drawBalance();
  } catch {
    // Amounts fall back to six decimals.
  }
}

let accountRead = null;
let accountAgain = false;

/** Reads the balance again; calls during a read cause one more read after it, never a pile of them. */
function refreshAccount() {
  if (!state.wallet) return Promise.resolve();
  if (accountRead) {
    accountAgain = true;
    return accountRead;
  }
  const wallet = state.wallet;
  accountRead = (async () => {
    try {
      do {
        accountAgain = false;
        const account = await get('/v1/accounts/me');
        if (state.wallet !== wallet) return; // forgotten meanwhile
        state.account = account;
        drawBalance();
      } while (accountAgain);
    } catch (e) {
      showError(e);
    } finally {
      accountRead = null;
    }
  })();
  return accountRead;
}

function followEvents() {
  state.events?.abort();
  const controller = new AbortController();
  state.events = controller;
  state.api.events(onEvent, { signal: controller.signal, onOpen: refreshAccount });
}

function onEvent(type, data) {
  if (type === 'payment' && data.credit === state.wallet?.address) {
    refreshAccount();
    // The answer to a submission reports its own payment; this one is for an answer decided later.
    if (!state.submitting && !(state.notice?.paid && state.notice.submissionId === data.ref)) {
      state.notice = { paid: data, submissionId: data.ref, later: true };
      drawNotice();
    }
    if (state.route === 'history') showHistory();
  } else if (type === 'decision') {
    if (state.pending.delete(data.submissionId)) {
      const paid = state.notice?.paid?.ref === data.submissionId ? state.notice.paid : null;
      state.notice = { status: data.status, reason: data.reason, submissionId: data.submissionId, later: true, paid };
      drawNotice();
    }
    if (state.route === 'history') showHistory();
  }
}

// ---- header ----

function drawBalance() {
  const el = $('balance');
  if (!state.account) {
    el.textContent = state.wallet ? t('loading') : t('balance.none');
    return;
  }
  const held = state.account.balances.filter((b) => b.amount !== 0);
  el.textContent = held.length
    ? held.map((b) => money(b.amount, b.asset)).join(' · ')
    : money(0, state.defaultAsset ?? 'EARN');
}

function receiptLink(id, label) {
  return h('a', { class: 'receipt-link', href: `#/receipt/${encodeURIComponent(id)}`, 'data-receipt': id, 'aria-label': label },
    t('payment.receipt'));
}

function drawNotice() {
  const el = $('notice');
  const n = state.notice;
  el.className = 'notice';
  if (!n) {
    el.replaceChildren();
    return;
  }
  const parts = [];
  if (n.skipped) parts.push(t('task.skipped'));
  if (n.status === 'pending') parts.push(t('task.pending'));
  else if (n.status) parts.push(t(`${n.later ? 'decision.later.' : 'task.'}${n.status}`, { reason: reason(n.reason) }));
  if (n.paid) parts.push(t(n.status ? 'task.paid' : 'payment.received', { amount: money(n.paid.amount, n.paid.asset) }));
  if (n.status === 'accepted') el.classList.add('notice-good');
  if (n.status === 'rejected') el.classList.add('notice-bad');
  const id = n.paid?.transferId ?? n.paid?.id;
  el.replaceChildren(parts.join(' '), id ? ' ' : '', id ? receiptLink(id) : '');
}

function markNav() {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.route === state.route || (state.route === 'task' && a.dataset.route === 'work')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---- routes ----

const views = {
  wallet: { show: drawWallet, draw: drawWallet, title: () => (state.wallet ? 'wallet.title' : 'setup.title') },
  work: { show: showWork, draw: drawWork, title: () => 'work.title' },
  task: { show: showTask, draw: drawTask, title: () => 'task.title' },
  history: { show: showHistory, draw: drawHistory, title: () => 'history.title' },
};

function parseHash() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { name: name || 'work', arg: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

async function route() {
  let { name, arg } = parseHash();
  if (name === 'receipt') {
    if (!state.wallet) return location.replace('#/wallet');
    if (!state.route) await show('work', null);
    return openReceipt(arg);
  }
  if (!views[name]) name = 'work';
  if (!state.wallet && name !== 'wallet') return location.replace('#/wallet');
  if ($('receipt').open) $('receipt').close();
  await show(name, arg);
}

async function show(name, arg) {
  if (state.route === 'wallet' && name !== 'wallet') {
    state.created = false;
    state.forgetting = false;
  }
  state.route = name;
  clearError();
  markNav();
  setTitle();
  await views[name].show(arg);
}

function setTitle() {
  document.title = `${t(views[state.route].title())} · Earnest`;
}

function focusTitle() {
  $('view-title')?.focus();
}

// ---- wallet ----

function drawWallet() {
  setTitle();
  if (!state.wallet) {
    const typed = $('import')?.value ?? '';
    const error = h('p', { id: 'import-error', class: 'error', role: 'alert' });
    const input = h('textarea', {
      id: 'import', rows: '3', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
      'aria-describedby': 'import-error', disabled: !state.supported,
    });
    input.value = typed;
    const submit = async (event) => {
      event.preventDefault();
      error.textContent = '';
      input.removeAttribute('aria-invalid');
      let wallet;
      try {
        wallet = await Wallet.import(input.value);
      } catch {
        error.textContent = t('wallet.import.invalid');
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      await adopt(wallet, false);
    };
    view.replaceChildren(h('section', { 'aria-labelledby': 'view-title' },
      title('setup.title'),
      h('p', { text: t('setup.intro') }),
      state.supported ? null : h('p', { class: 'error', role: 'alert', text: t('wallet.unsupported') }),
      h('div', { class: 'grid' },
        h('div', { class: 'card inner' },
          h('h3', { text: t('setup.new') }),
          h('button', { type: 'button', id: 'create', disabled: !state.supported, onclick: createWallet }, t('wallet.create'))),
        h('form', { class: 'card inner', onsubmit: submit, novalidate: true },
          h('h3', { text: t('setup.have') }),
          h('label', { for: 'import', text: t('wallet.import.label') }),
          input,
          error,
          h('button', { type: 'submit', disabled: !state.supported }, t('wallet.import'))))));
    return;
  }
  const wallet = state.wallet;
  const secret = wallet.exportSecret();
  const shown = state.created || document.querySelector('details.backup')?.open;
  const copy = h('button', { type: 'button', class: 'secondary', 'aria-label': t('wallet.copy.backup') }, t('wallet.copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = t('wallet.copied');
    } catch {
      $('backup').select();
    }
  });
  const forget = state.forgetting
    ? h('div', { class: 'card inner confirm', role: 'group', 'aria-labelledby': 'forget-question' },
      h('p', { id: 'forget-question', class: 'warn', text: t('wallet.forget.confirm') }),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'danger', onclick: forgetWallet }, t('wallet.forget.yes')),
        h('button', { type: 'button', class: 'secondary', id: 'keep', onclick: () => { state.forgetting = false; drawWallet(); $('forget')?.focus(); } }, t('wallet.forget.no'))))
    : h('button', { type: 'button', class: 'secondary', id: 'forget', onclick: () => { state.forgetting = true; drawWallet(); $('keep')?.focus(); } }, t('wallet.forget'));
  view.replaceChildren(h('section', { 'aria-labelledby': 'view-title' },
    title('wallet.title'),
    state.created ? h('p', { class: 'warn', text: `${t('wallet.created')} ${t('wallet.backup.now')}` }) : null,
    h('label', { for: 'address', text: t('wallet.address') }),
    h('input', { id: 'address', class: 'mono', readonly: true, value: wallet.address }),
    h('details', { class: 'backup', open: shown },
      h('summary', { text: t('wallet.backup.show') }),
      h('h3', { text: t('wallet.backup') }),
      h('p', { class: 'muted', text: t('wallet.backup.hint') }),
      h('label', { for: 'backup', text: t('wallet.backup.key') }),
      h('textarea', { id: 'backup', class: 'mono', rows: '3', readonly: true, spellcheck: 'false' }, secret),
      h('div', { class: 'row' }, copy)),
    h('div', { class: 'row actions' },
      h('a', { class: 'button', href: '#/work' }, t('wallet.continue')),
      forget)));
}

async function createWallet() {
  if (state.wallet) return;
  clearError();
  const wallet = await Wallet.create();
  await adopt(wallet, true);
}

/** Keeps a new or imported wallet in this browser and signs in with it (once, however often it is clicked). */
async function adopt(wallet, created) {
  if (state.wallet) return;
  wallet.save(SLOT);
  state.wallet = wallet;
  state.created = created;
  drawBalance();
  const ok = await startSession();
  if (created || !ok) {
    if (location.hash !== '#/wallet') location.hash = '#/wallet';
    else drawWallet();
    focusTitle();
  } else {
    location.hash = '#/work';
  }
}

function forgetWallet() {
  Wallet.forget(SLOT);
  endSession();
  state.forgetting = false;
  state.created = false;
  drawWallet();
  focusTitle();
}

// ---- work ----

async function showWork() {
  drawWork();
  try {
    state.work = await get('/v1/work');
    for (const c of state.work) rememberTitle(c.id, c.title);
  } catch (e) {
    showError(e);
    state.work ??= [];
  }
  if (state.route === 'work') drawWork();
}

function drawWork() {
  setTitle();
  const list = state.work;
  view.replaceChildren(h('section', { 'aria-labelledby': 'view-title' },
    h('div', { class: 'row between' },
      title('work.title'),
      h('button', { type: 'button', class: 'secondary', onclick: showWork }, t('work.refresh'))),
    !list ? h('p', { class: 'muted', text: t('loading') })
      : list.length === 0 ? h('p', { text: t('work.empty') })
        : h('ul', { class: 'plain cards' }, list.map(workCard))));
}

function workCard(c) {
  const perHour = c.payPerHour != null
    ? [h('strong', { text: t('work.perHour', { amount: money(c.payPerHour, c.asset) }) }), ' ',
      h('span', { class: 'muted', text: t('work.perHour.basis', { time: format.duration(c.medianTaskSeconds * 1000) }) })]
    : t('work.perHour.none');
  const share = c.acceptedShare != null ? t('work.share', { share: format.percent(c.acceptedShare) }) : t('work.share.none');
  return h('li', { class: 'card' },
    h('h3', { text: c.title }),
    h('p', { class: 'pay', text: t('work.pays', { amount: money(c.reward, c.asset) }) }),
    h('p', {}, perHour),
    h('p', { text: share }),
    h('p', { class: 'muted', text: t('work.left', { count: format.number(c.tasksAvailable) }) }),
    h('a', { class: 'button', href: `#/task/${encodeURIComponent(c.id)}`, 'aria-label': t('work.start.named', { title: c.title }) },
      t('work.start')));
}

// ---- task ----

async function showTask(campaign) {
  state.campaign = campaign;
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(TASK));
  } catch {
    saved = null;
  }
  // A task leased before a reload (or before a look at the history) is still this contributor's until it expires.
  if (saved && Date.parse(saved.expiresAt) > Date.now() + 5_000 && (!campaign || saved.campaignId === campaign)) {
    state.task = saved;
    drawTask();
    focusTitle();
  } else {
    await nextTask();
  }
}

async function nextTask() {
  state.task = null;
  state.taskLoading = true;
  sessionStorage.removeItem(TASK);
  if (state.route === 'task') drawTask();
  try {
    const assignment = await post('/v1/assignments', state.campaign ? { campaignId: state.campaign } : {});
    if (assignment) {
      sessionStorage.setItem(TASK, JSON.stringify(assignment));
      rememberTitle(assignment.campaignId, assignment.title);
    }
    state.task = assignment;
  } catch (e) {
    showError(e);
  }
  state.taskLoading = false;
  if (state.route === 'task') {
    drawTask();
    focusTitle();
  }
}

function itemView(data) {
  const parts = [];
  let rest = data;
  if (typeof data === 'string') {
    parts.push(h('p', { class: 'item-text', text: data }));
    rest = {};
  } else if (data && typeof data === 'object' && typeof data.text === 'string') {
    parts.push(h('p', { class: 'item-text', text: data.text }));
    const { text: _, ...others } = data;
    rest = others;
  }
  const entries = rest == null ? [] : typeof rest === 'object' ? Object.entries(rest) : [['value', rest]];
  if (entries.length) {
    parts.push(h('dl', { class: 'kv' }, entries.map(([k, v]) =>
      [h('dt', { text: k }), h('dd', { text: typeof v === 'string' ? v : JSON.stringify(v) })])));
  }
  return parts.length ? parts : h('p', { class: 'muted', text: t('task.empty') });
}

function drawTask() {
  setTitle();
  const a = state.task;
  if (!a) {
    view.replaceChildren(h('section', { 'aria-labelledby': 'view-title' },
      title('task.title'),
      state.taskLoading ? h('p', { class: 'muted', text: t('loading') }) : [
        h('p', { text: t('task.none') }),
        h('a', { class: 'button', href: '#/work' }, t('task.back'))]));
    return;
  }
  const busy = state.submitting;
  view.replaceChildren(h('section', { class: 'task', 'aria-labelledby': 'view-title' },
    title(null, a.title),
    h('p', { class: 'muted' }, t('task.reward', { amount: money(a.reward, a.asset) }), ' · ',
      t('task.expires', { time: format.time(a.expiresAt) })),
    h('h3', { text: t('task.instructions') }),
    h('p', { class: 'instructions', text: a.instructions }),
    h('h3', { id: 'item-title', text: t('task.item') }),
    h('section', { class: 'item', 'aria-labelledby': 'item-title' }, itemView(a.data)),
    h('h3', { id: 'answer-title', text: t('task.answer') }),
    h('div', { class: 'labels', role: 'group', 'aria-labelledby': 'answer-title', 'aria-describedby': 'shortcuts' },
      a.labels.map((label, i) => h('button', {
        type: 'button', class: 'label', disabled: busy, 'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
        onclick: () => answer(label),
      }, i < 9 ? h('kbd', { 'aria-hidden': 'true', text: String(i + 1) }) : null, h('span', { text: label })))),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'secondary', id: 'skip', disabled: busy, 'aria-keyshortcuts': 'S', onclick: skip },
        h('kbd', { 'aria-hidden': 'true', text: 'S' }), h('span', { text: t('task.skip') })),
      h('p', { id: 'shortcuts', class: 'muted shortcuts', text: busy ? t('task.sending') : t('task.shortcuts') }))));
}

async function answer(label) {
  const a = state.task;
  if (!a || state.submitting) return;
  state.submitting = true;
  clearError();
  drawTask();
  let outcome;
  try {
    outcome = await post(`/v1/assignments/${encodeURIComponent(a.id)}/submission`, { answer: label });
  } catch (e) {
    state.submitting = false;
    showError(e);
    // A refused answer (expired, already sent) ends this task; a failed connection leaves it to try again.
    if (e.status === 409 || e.status === 404 || e.status === 403) await nextTask();
    else if (state.route === 'task') drawTask();
    return;
  }
  state.submitting = false;
  if (outcome.status === 'pending') state.pending.add(outcome.submissionId);
  state.notice = { status: outcome.status, reason: outcome.reason, submissionId: outcome.submissionId, paid: outcome.payment };
  drawNotice();
  if (outcome.payment) refreshAccount();
  await nextTask();
}

async function skip() {
  const a = state.task;
  if (!a || state.submitting) return;
  state.submitting = true;
  clearError();
  drawTask();
  try {
    await post(`/v1/assignments/${encodeURIComponent(a.id)}/release`);
    state.notice = { skipped: true };
    drawNotice();
  } catch (e) {
    showError(e);
  }
  state.submitting = false;
  await nextTask();
}

document.addEventListener('keydown', (e) => {
  if (state.route !== 'task' || !state.task || state.submitting || e.ctrlKey || e.metaKey || e.altKey) return;
  if ($('receipt').open || e.target.closest?.('input, textarea, select, [contenteditable="true"]')) return;
  if (/^[1-9]$/.test(e.key)) {
    const label = state.task.labels[Number(e.key) - 1];
    if (label === undefined) return;
    e.preventDefault();
    if (!e.repeat) answer(label);
  } else if (e.key === 's' || e.key === 'S') {
    e.preventDefault();
    if (!e.repeat) skip();
  }
});

// ---- history ----

async function showHistory() {
  if (!state.history) drawHistory();
  try {
    const [submissions, transfers] = await Promise.all([
      get('/v1/submissions?limit=100'), get('/v1/accounts/me/transfers?limit=200')]);
    state.history = { submissions, transfers };
  } catch (e) {
    showError(e);
    state.history ??= { submissions: [], transfers: [] };
  }
  if (state.route === 'history') drawHistory();
}

function earnings(transfers) {
  const payouts = transfers.filter((x) => x.credit === state.wallet.address && x.kind === 'payout');
  if (payouts.length === 0) return [h('p', { class: 'muted', text: t('history.noEarnings') })];
  // One asset in the chart: the one most payouts were in.
  const counts = new Map();
  for (const p of payouts) counts.set(p.asset, (counts.get(p.asset) ?? 0) + 1);
  const asset = [...counts].sort((x, y) => y[1] - x[1])[0][0];
  const decimals = state.assets.get(asset) ?? 6;
  const mine = payouts.filter((p) => p.asset === asset).sort((x, y) => Date.parse(x.timestamp) - Date.parse(y.timestamp));
  // A step up at each payment, flat until now; drawn at the width it is shown at, so its text is not stretched.
  let total = 0;
  const points = [];
  for (const p of mine) {
    const x = Date.parse(p.timestamp);
    points.push({ x, y: total });
    total += p.amount;
    points.push({ x, y: total });
  }
  points.push({ x: Math.max(Date.now(), points.at(-1).x), y: total });
  const chart = lines(t('history.chart'), [{ name: t('history.earnings'), points, className: 'good' }],
    { width: Math.max(240, view.clientWidth - 24), format: (y) => format.amount(Math.round(y), decimals, asset) });
  return [h('p', { class: 'pay', text: t('history.earned', { amount: money(total, asset) }) }), chart];
}

function drawHistory() {
  setTitle();
  const history = state.history;
  if (!history) {
    view.replaceChildren(h('section', {}, title('history.title'), h('p', { class: 'muted', text: t('loading') })));
    return;
  }
  const known = titles();
  const received = history.transfers.filter((x) => x.credit === state.wallet.address);
  view.replaceChildren(
    title('history.title'),
    h('section', { 'aria-labelledby': 'earnings-title' },
      h('h3', { id: 'earnings-title', text: t('history.earnings') }),
      earnings(history.transfers)),
    h('section', { 'aria-labelledby': 'payments-title' },
      h('h3', { id: 'payments-title', text: t('history.payments') }),
      received.length === 0 ? h('p', { class: 'muted', text: t('history.noPayments') })
        : h('ul', { class: 'plain rows' }, received.map((x) => {
          const amount = money(x.amount, x.asset);
          const when = format.dateTime(x.timestamp);
          return h('li', {},
            h('strong', { text: amount }), ' ',
            h('span', { text: t(`kind.${x.kind}`) === `kind.${x.kind}` ? x.kind : t(`kind.${x.kind}`) }), ' ',
            h('span', { class: 'muted', text: when }), ' ',
            receiptLink(x.id, t('payment.receipt.named', { amount, time: when })));
        }))),
    h('section', { 'aria-labelledby': 'answers-title' },
      h('h3', { id: 'answers-title', text: t('history.submissions') }),
      history.submissions.length === 0 ? h('p', { class: 'muted', text: t('history.noSubmissions') })
        : h('ul', { class: 'plain rows' }, history.submissions.map((s) => h('li', { class: 'submission' },
          h('div', { class: 'row between' },
            h('strong', { text: known[s.campaignId] ?? t('history.campaign', { id: format.shortAddress(s.campaignId) }) }),
            h('span', { class: `badge ${s.status}`, text: t(`status.${s.status}`) })),
          h('p', { text: t('history.answer', { answer: s.answer }) }),
          s.reason ? h('p', { class: 'reason', text: reason(s.reason) }) : null,
          h('p', { class: 'muted' },
            t('history.submitted', { time: format.dateTime(s.submittedAt) }),
            s.decidedAt ? `, ${t('history.decided', { time: format.dateTime(s.decidedAt) })}` : '',
            s.transferId ? [' ', receiptLink(s.transferId, `${t('payment.receipt')}: ${known[s.campaignId] ?? s.campaignId}, ${t('history.answer', { answer: s.answer })}`)] : null))))));
}

// ---- receipts ----

async function networkKey() {
  state.signer ??= (await state.api.get('/v1/ledger/key')).signer;
  return state.signer;
}

async function openReceipt(id) {
  const dialog = $('receipt');
  state.receipt = { id, result: null };
  drawReceipt();
  if (!dialog.open) dialog.showModal();
  let result;
  try {
    const [receipt, signer] = await Promise.all([get(`/v1/receipts/${encodeURIComponent(id)}`), networkKey()]);
    result = await verifyReceipt(receipt, signer);
  } catch (e) {
    result = { ok: false, reason: e.problem?.detail || e.message };
  }
  if (state.receipt?.id !== id) return;
  state.receipt.result = result;
  drawReceipt();
}

function drawReceipt() {
  const r = state.receipt?.result;
  const status = $('receipt-status');
  const body = $('receipt-body');
  if (!r) {
    status.className = 'muted';
    status.textContent = t('receipt.checking');
    body.replaceChildren();
    return;
  }
  if (!r.ok) {
    status.className = 'error';
    status.textContent = t('receipt.invalid', { reason: r.reason });
    body.replaceChildren();
    return;
  }
  status.className = 'verified';
  status.textContent = `✓ ${t('receipt.verified')}`;
  const x = r.transfer;
  const row = (key, value, mono) => [h('dt', { text: t(key) }), h('dd', { class: mono ? 'mono' : null, text: value ?? '–' })];
  body.replaceChildren(
    h('p', { text: t('receipt.block', { height: r.height, index: r.index + 1, size: r.size }) }),
    h('dl', { class: 'kv' },
      row('receipt.amount', money(x.amount, x.asset)),
      row('receipt.time', format.dateTime(x.timestamp)),
      row('receipt.from', x.debit, true),
      row('receipt.to', x.credit, true),
      row('receipt.id', x.id, true),
      row('receipt.ref', x.ref, true)));
}

function closedReceipt() {
  state.receipt = null;
  if (location.hash.startsWith('#/receipt/')) history.replaceState(null, '', `#/${state.route ?? 'work'}`);
}

// ---- start ----

async function start() {
  apply();
  languagePicker($('language'));
  $('receipt-close').addEventListener('click', () => $('receipt').close());
  $('receipt').addEventListener('close', closedReceipt);
  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('a[data-receipt]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    openReceipt(link.dataset.receipt);
  });
  document.addEventListener('languagechange', () => {
    drawBalance();
    drawNotice();
    if (state.route) views[state.route].draw();
    if (state.receipt) drawReceipt();
  });
  window.addEventListener('hashchange', route);
  state.supported = await supported();
  const assets = loadAssets();
  try {
    state.wallet = await Wallet.load(SLOT);
  } catch {
    state.wallet = null;
  }
  drawBalance();
  if (state.wallet) await startSession();
  await assets;
  await route();
}

start();
