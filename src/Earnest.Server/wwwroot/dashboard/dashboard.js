// The requester dashboard: sign in (wallet or API key), the account and test funds, the campaign list, the create
// form and, in campaign.js, one campaign from upload to results. Screens follow the URL's hash: #/, #/new,
// #/campaign/<id>.
import { Wallet, supported } from '../shared/wallet.js';
import { Api, ApiError } from '../shared/api.js';
import { register, t, apply, languagePicker } from '../shared/i18n.js';
import * as fmt from '../shared/format.js';
import { strings } from './strings.js';
import { $, h, say, describe, throttle } from './dom.js';
import { app, call, refreshAccount, defaultAsset, asset, balanceOf, money, parseUnits } from './session.js';
import * as campaign from './campaign.js';

const SLOT = 'dashboard';
const KEY_STORAGE = 'earnest.dashboard.apikey';
const SCREENS = ['signin-screen', 'list-screen', 'create-screen', 'campaign-screen'];

register(strings);
apply();
document.title = t('app.title');
languagePicker($('language'));

let signedIn = false;
let stream = null;
let campaigns = null;

// ---- screens -------------------------------------------------------------------------------------------------

function showScreen(id, focus = true) {
  $('loading').hidden = true;
  if (focus) say($('notice'), null); // a notice belongs to the screen it was given on
  for (const screen of SCREENS) $(screen).hidden = screen !== id;
  $('account').hidden = !signedIn;
  if (id !== 'campaign-screen') campaign.leave();
  if (focus) $(id).querySelector('h2')?.focus();
}

function route(focus = true) {
  if (!signedIn) {
    showScreen('signin-screen', false);
    return;
  }
  const path = location.hash.replace(/^#\/?/, '');
  if (path === 'new') {
    showScreen('create-screen', focus);
    renderCreate();
  } else if (path.startsWith('campaign/')) {
    showScreen('campaign-screen', focus);
    campaign.open(decodeURIComponent(path.slice('campaign/'.length)));
  } else {
    showScreen('list-screen', focus);
    renderList();
    loadList();
  }
}

window.addEventListener('hashchange', () => route());

// ---- sign-in -------------------------------------------------------------------------------------------------

/** Signed in: the account, the event stream, and the screen the URL names (focused when a person signed in). */
async function enter(focus) {
  app.assets = await app.api.get('/v1/assets');
  await refreshAccount();
  signedIn = true;
  say($('signin-error'), null);
  $('show-backup').hidden = !app.wallet;
  renderAccount();
  follow();
  route(focus);
}

async function signInWithWallet(wallet, focus = true) {
  const api = new Api();
  await api.signIn(wallet);
  Object.assign(app, { api, wallet, apiKey: null });
  await enter(focus);
}

async function signInWithKey(key, focus = true) {
  const api = new Api(key);
  await api.get('/v1/accounts/me'); // a key the server does not know answers 401
  Object.assign(app, { api, wallet: null, apiKey: key });
  sessionStorage.setItem(KEY_STORAGE, key);
  await enter(focus);
}

function signInFailed(error) {
  const detail = error instanceof ApiError && error.status === 0 ? t('error.offline') : error.message;
  return () => t('signin.failed', { detail });
}

/**
 * The wallet this browser keeps could not sign in (the server was unreachable, say): offer to try again, and hide
 * "create" and "import", which would replace the kept key.
 */
function offerSaved(wallet, error, fresh = false) {
  $('saved-wallet').hidden = !wallet;
  $('wallet-card').hidden = !!wallet;
  if (wallet) {
    $('retry-wallet').onclick = busy($('retry-wallet'), async () => {
      try {
        await signInWithWallet(wallet);
        offerSaved(null);
        if (fresh) showBackup(); // a new wallet is backed up before anything else
      } catch (again) {
        say($('signin-error'), signInFailed(again));
      }
    });
    say($('saved-wallet-text'), () => t('signin.saved', { address: wallet.address }));
    say($('signin-error'), signInFailed(error));
  }
}

function signOut(reason) {
  stream?.abort();
  stream = null;
  if (app.wallet) Wallet.forget(SLOT);
  sessionStorage.removeItem(KEY_STORAGE);
  Object.assign(app, { api: new Api(), wallet: null, apiKey: null, account: null });
  signedIn = false;
  offerSaved(null);
  campaigns = null;
  $('backup').hidden = true;
  $('forget-confirm').hidden = true;
  say($('notice'), null);
  say($('signin-error'), reason ?? null);
  route(false);
}

app.onSignedOut = () => signOut(() => t('signin.expired'));
campaign.onAccount(renderAccount);

function busy(button, work) {
  return async (event) => {
    event?.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    try {
      await work();
    } finally {
      button.disabled = false;
    }
  };
}

$('create-wallet').addEventListener('click', busy($('create-wallet'), async () => {
  let wallet;
  try {
    wallet = await Wallet.create();
  } catch (error) {
    say($('signin-error'), signInFailed(error));
    return;
  }
  wallet.save(SLOT); // kept before signing in, so a failed sign-in loses nothing
  try {
    await signInWithWallet(wallet);
    showBackup();
  } catch (error) {
    offerSaved(wallet, error, true);
  }
}));

$('import-form').addEventListener('submit', busy($('import-form').querySelector('button'), async () => {
  let wallet;
  try {
    wallet = await Wallet.import($('import-secret').value);
  } catch {
    say($('signin-error'), () => t('wallet.import.invalid'));
    $('import-secret').focus();
    return;
  }
  wallet.save(SLOT);
  $('import-secret').value = '';
  try {
    await signInWithWallet(wallet);
  } catch (error) {
    offerSaved(wallet, error);
  }
}));

$('apikey-form').addEventListener('submit', busy($('apikey-form').querySelector('button'), async () => {
  const key = $('api-key').value.trim();
  if (!key) {
    say($('signin-error'), () => t('signin.apikey.empty'));
    $('api-key').focus();
    return;
  }
  try {
    await signInWithKey(key);
    $('api-key').value = '';
  } catch (error) {
    say($('signin-error'), error instanceof ApiError && error.status === 401
      ? () => t('signin.apikey.invalid')
      : () => describe(error));
    $('api-key').focus();
  }
}));

$('sign-out').addEventListener('click', () => {
  if (app.wallet) {
    $('forget-confirm').hidden = false;
    $('forget-no').focus();
  } else {
    signOut();
  }
});
$('forget-no').addEventListener('click', () => {
  $('forget-confirm').hidden = true;
  $('sign-out').focus();
});
$('forget-yes').addEventListener('click', () => signOut());

// ---- wallet backup -------------------------------------------------------------------------------------------

function showBackup() {
  $('backup-secret').value = app.wallet.exportSecret();
  say($('copy-status'), null);
  $('backup').hidden = false;
  $('backup-heading').focus();
}

$('show-backup').addEventListener('click', showBackup);
$('backup-done').addEventListener('click', () => {
  $('backup').hidden = true;
  $('backup-secret').value = '';
  $('show-backup').focus();
});
$('copy-secret').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('backup-secret').value);
    say($('copy-status'), () => t('wallet.copied'));
  } catch {
    $('backup-secret').select();
  }
});

// ---- account and test funds ----------------------------------------------------------------------------------

function renderAccount() {
  if (!app.account) return;
  const symbol = defaultAsset().symbol;
  $('address').textContent = app.account.address;
  $('balance').textContent = app.account.balances.length === 0
    ? money(0, symbol)
    : app.account.balances.map((b) => money(b.amount, b.asset)).join(' · ');
  $('faucet-label').textContent = t('faucet.label', { symbol });
}

const refreshAccountSoon = throttle(async () => {
  await refreshAccount();
  renderAccount();
  campaign.accountChanged();
}, 500);

$('faucet-form').addEventListener('submit', busy($('faucet-button'), async () => {
  const { symbol, decimals } = defaultAsset();
  const amount = parseUnits($('faucet-amount').value, decimals);
  if (!amount) {
    say($('faucet-error'), () => t('faucet.invalid'));
    $('faucet-amount').setAttribute('aria-invalid', 'true');
    return;
  }
  $('faucet-amount').removeAttribute('aria-invalid');
  say($('faucet-error'), null);
  try {
    const paid = await call('POST', '/v1/faucet', { amount });
    await refreshAccount();
    renderAccount();
    campaign.accountChanged();
    say($('notice'), () => t('faucet.done', { amount: money(paid.amount, symbol) }));
  } catch (error) {
    if (error.status === 403) {
      say($('faucet-error'), () => t('faucet.off'));
      $('faucet-form').hidden = true;
    } else {
      say($('faucet-error'), () => describe(error));
    }
  }
}));

// ---- events --------------------------------------------------------------------------------------------------

const refreshListSoon = throttle(loadList, 500);

function follow() {
  stream?.abort();
  const controller = new AbortController();
  stream = controller;
  const onEvent = (type, data) => {
    if (type === 'progress') campaign.progress(data.campaignId);
    if (type === 'campaign') campaign.progress(data.id);
    if (type === 'campaign' || type === 'payment') refreshAccountSoon();
    if (!$('list-screen').hidden) refreshListSoon();
  };
  // At each (re)connection, read again what may have changed while the stream was down.
  const onOpen = () => {
    refreshAccountSoon();
    campaign.progress(null);
    if (!$('list-screen').hidden) refreshListSoon();
  };
  (async () => {
    while (!controller.signal.aborted) {
      await app.api.events(onEvent, { signal: controller.signal, onOpen });
      if (controller.signal.aborted || !app.wallet) return;
      try {
        await app.api.signIn(app.wallet); // the token expired: a new one, and follow again
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    }
  })();
}

// ---- campaign list -------------------------------------------------------------------------------------------

async function loadList() {
  try {
    campaigns = await call('GET', '/v1/campaigns');
    renderList();
  } catch (error) {
    say($('notice'), () => describe(error));
  }
}

function renderList() {
  if (campaigns === null) return;
  $('list-empty').hidden = campaigns.length > 0;
  $('list-wrap').hidden = campaigns.length === 0;
  $('list-body').replaceChildren(...campaigns.map((c) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: `#/campaign/${encodeURIComponent(c.id)}`, text: c.title })),
    h('td', {}, h('span', { class: `badge ${c.status}`, text: t(`status.${c.status}`) })),
    h('td', { text: fmt.number(c.tasks) }),
    h('td', { text: t('figure.doneValue', { done: fmt.number(c.tasksDone), total: fmt.number(c.tasks - c.goldTasks) }) }),
    h('td', { text: t('figure.ofBudget', { spent: money(c.spent, c.asset), budget: money(c.budget, c.asset) }) }))));
}

// ---- create form ---------------------------------------------------------------------------------------------

const FIELDS = ['title', 'instructions', 'labels', 'asset', 'reward', 'budget', 'overlap'];

function selectedAsset() {
  return app.assets.length > 1 ? asset($('c-asset').value) : defaultAsset();
}

function renderCreate() {
  const select = $('c-asset');
  $('c-asset-field').hidden = app.assets.length < 2;
  if (app.assets.length > 1 && select.options.length !== app.assets.length) {
    select.replaceChildren(...app.assets.map((a) => new Option(a.symbol, a.symbol, false, a.symbol === defaultAsset().symbol)));
  }
  const { symbol } = selectedAsset();
  $('c-reward-label').textContent = t('create.reward', { symbol });
  $('c-budget-label').textContent = t('create.budget', { symbol });
  $('c-reward').placeholder = t('create.reward.example');
  renderEstimate();
}

function renderEstimate() {
  const { symbol, decimals } = selectedAsset();
  const reward = parseUnits($('c-reward').value, decimals);
  const budget = parseUnits($('c-budget').value, decimals);
  const overlap = Number($('c-overlap').value);
  const parts = [];
  if (reward > 0 && budget >= reward) {
    const answers = Math.floor(budget / reward);
    parts.push(t('create.estimate', {
      answers: fmt.number(answers),
      tasks: fmt.number(overlap >= 1 ? Math.floor(answers / overlap) : answers),
      overlap: fmt.number(overlap >= 1 ? overlap : 1),
    }));
  }
  if (budget > balanceOf(symbol)) {
    parts.push(t('create.aboveBalance', { balance: money(balanceOf(symbol), symbol) }));
  }
  $('c-budget-hint').textContent = parts.join(' ');
}

for (const id of ['c-reward', 'c-budget', 'c-overlap']) $(id).addEventListener('input', renderEstimate);
$('c-asset').addEventListener('change', renderCreate);

function showFieldErrors(errors, other = []) {
  let first = null;
  for (const field of FIELDS) {
    const input = $(`c-${field}`);
    const message = errors[field];
    say($(`c-${field}-error`), message ?? null);
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    } else {
      input.removeAttribute('aria-invalid');
    }
  }
  const invalid = FIELDS.filter((f) => errors[f]);
  say($('create-error'), invalid.length === 0 && other.length === 0 ? null
    : () => [invalid.length ? t('create.error.summary', { fields: invalid.map((f) => t(`create.field.${f}`)).join(', ') }) : '', ...other]
      .filter(Boolean).join(' '));
  first?.focus();
}

function checkCreate(form) {
  const { decimals } = selectedAsset();
  const errors = {};
  if (!form.title) errors.title = () => t('create.error.title');
  if (form.labels.length < 2) errors.labels = () => t('create.error.labels');
  else if (new Set(form.labels).size !== form.labels.length) errors.labels = () => t('create.error.labelsDistinct');
  const reward = parseUnits(form.rewardText, decimals);
  const budget = parseUnits(form.budgetText, decimals);
  if (reward === null) errors.reward = () => t('create.error.amount', { decimals });
  else if (reward <= 0) errors.reward = () => t('create.error.rewardZero');
  if (budget === null) errors.budget = () => t('create.error.amount', { decimals });
  else if (budget <= 0) errors.budget = () => t('create.error.budgetZero');
  else if (reward > 0 && budget < reward) errors.budget = () => t('create.error.budgetBelowReward');
  if (!/^\d+$/.test(form.overlapText) || Number(form.overlapText) < 1 || Number(form.overlapText) > 50) {
    errors.overlap = () => t('create.error.overlap');
  }
  return { errors, reward, budget, overlap: Number(form.overlapText) };
}

$('create-form').addEventListener('submit', busy($('create-button'), async () => {
  const form = {
    title: $('c-title').value.trim(),
    instructions: $('c-instructions').value,
    labels: $('c-labels').value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean),
    rewardText: $('c-reward').value,
    budgetText: $('c-budget').value,
    overlapText: $('c-overlap').value.trim(),
  };
  const { errors, reward, budget, overlap } = checkCreate(form);
  if (Object.keys(errors).length > 0) {
    showFieldErrors(errors);
    return;
  }
  const { symbol } = selectedAsset();
  const body = { title: form.title, instructions: form.instructions, kind: 'classification', labels: form.labels,
    reward, budget, overlap };
  if (symbol !== defaultAsset().symbol) body.asset = symbol;
  try {
    const created = await call('POST', '/v1/campaigns', body);
    showFieldErrors({});
    $('create-form').reset();
    location.hash = `#/campaign/${encodeURIComponent(created.id)}`;
  } catch (error) {
    if (error instanceof ApiError && Object.keys(error.errors).length > 0) {
      const byField = {};
      const other = [];
      for (const [field, list] of Object.entries(error.errors)) {
        const name = field.split(/[.[]/)[0];
        if (FIELDS.includes(name)) byField[name] = list.join(' ');
        else other.push(...list);
      }
      showFieldErrors(byField, other);
    } else {
      showFieldErrors({}, [describe(error)]);
    }
  }
}));

// ---- language ------------------------------------------------------------------------------------------------

document.addEventListener('languagechange', () => {
  document.title = t('app.title');
  renderAccount();
  renderList();
  if (!$('create-screen').hidden) renderCreate();
  campaign.rerender();
});

window.addEventListener('resize', throttle(async () => campaign.rerender(), 250));

// ---- start ---------------------------------------------------------------------------------------------------

(async () => {
  if (!(await supported())) {
    $('unsupported').hidden = false;
    $('create-wallet').disabled = true;
    $('import-form').querySelector('button').disabled = true;
  }
  const key = sessionStorage.getItem(KEY_STORAGE);
  const wallet = key ? null : await Wallet.load(SLOT).catch(() => null);
  try {
    if (key) await signInWithKey(key, false);
    else if (wallet) await signInWithWallet(wallet, false);
    else route(false);
  } catch (error) {
    route(false);
    if (wallet) {
      offerSaved(wallet, error);
    } else {
      if (error instanceof ApiError && error.status === 401) sessionStorage.removeItem(KEY_STORAGE);
      say($('signin-error'), signInFailed(error));
    }
  }
})();
