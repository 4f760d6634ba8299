#!/usr/bin/env node
// The whole earn loop of Earnest, driven by a client that knows only API.md, the v1 HTTP contract:
// sign-in with Ed25519 wallets, faucet, a campaign with gold, three contributors reaching consensus,
// offline verification of every payment receipt, results (JSON and CSV), close and refund, conservation
// of funds, and the error contracts. Node 20+, no npm dependencies.
//
// Usage: node tests/clients/node/earn-loop.mjs <baseUrl>
// Prints one line per check; exits 0 only if every check passed.

import { generateKeyPairSync, createPublicKey, sign, verify } from 'node:crypto';

const REQUEST_TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 240_000;
const MAX_WORK_STEPS = 200;

// ---------------------------------------------------------------- checks and output

const failures = [];
let passed = 0;

function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`PASS ${name}`);
  } else {
    failures.push(name);
    console.log(`FAIL ${name}${detail ? ` -- ${detail}` : ''}`);
  }
  return ok;
}

/** A check whose failure makes the rest meaningless. */
function must(name, ok, detail = '') {
  if (!check(name, ok, detail)) throw new Fatal(name);
}

/** A precondition: silent when it holds (the checks after it say what matters), fatal when it does not. */
function guard(name, ok, detail = '') {
  if (!ok) must(name, ok, detail);
}

class Fatal extends Error {}

const watchdog = setTimeout(() => {
  console.log(`FAIL overall timeout: the script did not finish within ${OVERALL_TIMEOUT_MS} ms`);
  process.exit(3);
}, OVERALL_TIMEOUT_MS);
watchdog.unref();

// ---------------------------------------------------------------- base58 (Bitcoin alphabet)

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const ALPHABET_INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

function base58Encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

function base58Decode(text) {
  if (typeof text !== 'string') throw new Error('base58: not a string');
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let n = 0n;
  for (const c of text) {
    const v = ALPHABET_INDEX.get(c);
    if (v === undefined) throw new Error(`base58: invalid character ${JSON.stringify(c)}`);
    n = n * 58n + BigInt(v);
  }
  const body = [];
  while (n > 0n) {
    body.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from([...new Array(zeros).fill(0), ...body]);
}

// ---------------------------------------------------------------- Ed25519

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function newWallet(name) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { name, privateKey, address: base58Encode(raw), token: null };
}

function publicKeyFromAddress(address) {
  const raw = base58Decode(address);
  if (raw.length !== 32) throw new Error(`address decodes to ${raw.length} bytes, not 32`);
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

function signText(wallet, text) {
  return base58Encode(sign(null, Buffer.from(text, 'utf8'), wallet.privateKey));
}

// ---------------------------------------------------------------- HTTP

const baseUrl = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(baseUrl)) {
  console.error('usage: node earn-loop.mjs <baseUrl>   (for example http://127.0.0.1:5080)');
  process.exit(64);
}

async function api(method, path, { token, body, accept } = {}) {
  const headers = { Accept: accept ?? 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    const why = e.name === 'TimeoutError' ? `timed out after ${REQUEST_TIMEOUT_MS} ms` : `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ''}`;
    throw new Error(`${method} ${path}: ${why}`);
  }
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let json;
  if (/json/.test(contentType) && text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, contentType, text, json, where: `${method} ${path}` };
}

function show(res) {
  return `${res.where} -> ${res.status} ${res.contentType} ${res.text.slice(0, 300)}`;
}

/** A request that must answer the given status; returns the parsed body. */
async function expect(name, status, method, path, options) {
  const res = await api(method, path, options);
  guard(name, res.status === status, `expected ${status}; ${show(res)}`);
  return res.json;
}

/** The problem+json contract of an error response. */
function checkProblem(name, res, status) {
  check(`${name}: status ${status}`, res.status === status, show(res));
  const p = res.json ?? {};
  check(
    `${name}: problem+json with type/title/status/detail`,
    res.contentType.toLowerCase().startsWith('application/problem+json') &&
      typeof p.type === 'string' &&
      typeof p.title === 'string' &&
      p.status === res.status &&
      typeof p.detail === 'string',
    show(res),
  );
}

// ---------------------------------------------------------------- sign-in

async function challenge(wallet) {
  const c = await expect(`${wallet.name}: challenge`, 200, 'POST', '/v1/auth/challenge', {
    body: { address: wallet.address },
  });
  guard(
    `${wallet.name}: challenge message names the address`,
    typeof c?.message === 'string' && c.message.includes(wallet.address) && typeof c.expiresAt === 'string',
    JSON.stringify(c),
  );
  return c.message;
}

async function signIn(wallet) {
  const message = await challenge(wallet);
  const body = { address: wallet.address, message, signature: signText(wallet, message) };
  const t = await expect(`${wallet.name}: sign in`, 200, 'POST', '/v1/auth/token', { body });
  check(`${wallet.name}: signed in`, typeof t?.token === 'string' && t.token.length > 0, JSON.stringify(t));
  wallet.token = t.token;
  return body;
}

// ---------------------------------------------------------------- receipts

/**
 * Verifies a receipt offline: the signature over the exact payload bytes, the signer, and (for each field of
 * `expected` that is given) the transfer JSON inside the payload. Returns the decoded transfer or null.
 */
function verifyReceipt(name, receipt, ledgerSigner, expected) {
  try {
    const transfer = openReceipt(receipt, ledgerSigner, expected);
    check(name, true);
    return transfer;
  } catch (e) {
    check(name, false, e.message);
    return null;
  }
}

/** The transfer inside a receipt; throws unless the receipt verifies and matches `expected`. */
function openReceipt(receipt, ledgerSigner, expected) {
  if (!receipt || typeof receipt !== 'object') throw new Error('no receipt');
  const payload = Buffer.from(receipt.payload, 'base64');
  if (payload.length === 0 || payload.toString('base64') !== receipt.payload) throw new Error('payload is not canonical base64');
  const signature = base58Decode(receipt.signature);
  if (signature.length !== 64) throw new Error(`signature is ${signature.length} bytes, not 64`);
  if (receipt.signer !== ledgerSigner) throw new Error(`signer ${receipt.signer} is not the ledger key ${ledgerSigner}`);
  if (!verify(null, payload, publicKeyFromAddress(receipt.signer), signature)) throw new Error('signature does not verify');
  const transfer = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  for (const field of ['id', 'debit', 'credit', 'asset', 'amount', 'timestamp', 'ref']) {
    if (!(field in transfer)) throw new Error(`payload lacks ${field}: ${JSON.stringify(transfer)}`);
  }
  if (!Number.isSafeInteger(transfer.amount)) throw new Error(`amount ${transfer.amount} is not an integer`);
  for (const [field, want] of Object.entries(expected)) {
    if (want === undefined) continue;
    const got = transfer[field];
    if (got !== want) throw new Error(`payload ${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  return transfer;
}

/** The offline verifier must refuse a receipt whose payload, signature or signer was changed. */
function checkVerifierRefusesForgeries(receipt, ledgerSigner) {
  const transfer = JSON.parse(Buffer.from(receipt.payload, 'base64').toString('utf8'));
  const refuses = (r) => {
    try {
      openReceipt(r, ledgerSigner, {});
      return false;
    } catch {
      return true;
    }
  };
  const inflated = Buffer.from(JSON.stringify({ ...transfer, amount: transfer.amount + 1 }), 'utf8').toString('base64');
  const sig = base58Decode(receipt.signature);
  sig[0] ^= 1;
  const stranger = newWallet('stranger');
  const strangerSigned = { payload: receipt.payload, signer: stranger.address, signature: base58Encode(sign(null, Buffer.from(receipt.payload, 'base64'), stranger.privateKey)) };
  check('offline verifier refuses a changed payload', refuses({ ...receipt, payload: inflated }));
  check('offline verifier refuses a changed signature', refuses({ ...receipt, signature: base58Encode(sig) }));
  check('offline verifier refuses a receipt signed by another key', refuses(strangerSigned));
}

/** All of the caller's transfers, following `?after=` pages (bounded). */
async function allTransfers(wallet) {
  const seen = new Map();
  let path = '/v1/accounts/me/transfers';
  for (let page = 0; page < 50; page++) {
    const list = await expect(`${wallet.name}: list transfers (page ${page + 1})`, 200, 'GET', path, { token: wallet.token });
    guard(`${wallet.name}: transfers page is an array`, Array.isArray(list), JSON.stringify(list));
    const fresh = list.filter((t) => !seen.has(t.id));
    for (const t of fresh) seen.set(t.id, t);
    if (fresh.length === 0) break;
    path = `/v1/accounts/me/transfers?after=${encodeURIComponent(list[list.length - 1].id)}`;
  }
  return [...seen.values()];
}

async function balanceOf(wallet, asset) {
  const me = await expect(`${wallet.name}: account`, 200, 'GET', '/v1/accounts/me', { token: wallet.token });
  guard(`${wallet.name}: account is the wallet's`, me?.address === wallet.address, JSON.stringify(me));
  const b = (me.balances ?? []).find((x) => x.asset === asset);
  return b ? b.amount : 0;
}

// ---------------------------------------------------------------- the loop

async function main() {
  console.log(`earn loop against ${baseUrl}`);

  // Network facts.
  const assets = await expect('GET /v1/assets', 200, 'GET', '/v1/assets');
  must('assets listed', Array.isArray(assets) && assets.length > 0 && typeof assets[0].symbol === 'string', JSON.stringify(assets));
  const asset = assets[0].symbol;
  const key = await expect('GET /v1/ledger/key', 200, 'GET', '/v1/ledger/key');
  must('ledger key is a base58 Ed25519 key', typeof key?.signer === 'string' && base58Decode(key.signer).length === 32, JSON.stringify(key));
  const ledgerSigner = key.signer;

  // 1. Wallets and sign-in.
  const requester = newWallet('requester');
  const contributors = ['alice', 'bob', 'carol'].map(newWallet);
  const [alice, bob, carol] = contributors;
  const everyone = [requester, ...contributors];
  check('base58 round-trips leading zeros', base58Encode(Uint8Array.from([0, 0, 1, 2])) === '115T' &&
    base58Decode('115T').join(',') === '0,0,1,2' && base58Encode(new Uint8Array(32)) === '1'.repeat(32));
  check('addresses are base58 of 32 bytes', everyone.every((w) => base58Decode(w.address).length === 32 && base58Encode(base58Decode(w.address)) === w.address));
  const requesterSignIn = await signIn(requester);
  for (const c of contributors) await signIn(c);

  // Error contracts of sign-in.
  checkProblem('replayed sign-in (same challenge and signature)', await api('POST', '/v1/auth/token', { body: requesterSignIn }), 401);
  {
    const message = await challenge(alice);
    const forger = newWallet('forger');
    const forged = { address: alice.address, message, signature: signText(forger, message) };
    checkProblem('forged signature', await api('POST', '/v1/auth/token', { body: forged }), 401);
  }
  {
    const message = await challenge(bob);
    const tampered = { address: bob.address, message: message + ' ', signature: signText(bob, message) };
    checkProblem('signature over other bytes than the message', await api('POST', '/v1/auth/token', { body: tampered }), 401);
  }
  {
    const key = await expect('requester: create API key', 201, 'POST', '/v1/api-keys', { token: requester.token });
    const me = await api('GET', '/v1/accounts/me', { token: key?.key });
    check('an API key works as a bearer token for the same account', me.status === 200 && me.json?.address === requester.address, show(me));
  }
  checkProblem('no token', await api('GET', '/v1/accounts/me'), 401);
  checkProblem('bad token', await api('GET', '/v1/accounts/me', { token: 'not-a-token' }), 401);

  // 2. Faucet and campaign.
  const minted = 100_000;
  const faucet = await expect('requester: faucet', 200, 'POST', '/v1/faucet', { token: requester.token, body: { amount: minted } });
  must('faucet minted the amount asked', faucet?.amount === minted && typeof faucet.transferId === 'string', JSON.stringify(faucet));
  check('requester balance = minted', (await balanceOf(requester, asset)) === minted);

  // Error contracts of requests: malformed, invalid (with per-field errors), not found, short balance.
  {
    const res = await fetch(`${baseUrl}/v1/faucet`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${requester.token}` },
      body: '{"amount":',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    checkProblem('malformed JSON body', { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json, where: 'POST /v1/faucet' }, 400);
  }
  {
    const res = await api('POST', '/v1/campaigns', {
      token: requester.token,
      body: { title: '', instructions: 'x', kind: 'classification', labels: ['only'], reward: -1, budget: 0, overlap: 0 },
    });
    checkProblem('invalid campaign', res, 422);
    const errors = res.json?.errors;
    check('invalid campaign: errors name the fields', errors && typeof errors === 'object' &&
      ['title', 'labels', 'reward', 'budget', 'overlap'].every((f) => Array.isArray(errors[f]) && errors[f].length > 0), show(res));
  }
  checkProblem('unknown campaign', await api('GET', '/v1/campaigns/no-such-campaign', { token: requester.token }), 404);
  checkProblem('unknown assignment', await api('POST', '/v1/assignments/no-such-assignment/submission', { token: alice.token, body: { answer: 'positive' } }), 404);
  {
    const big = await expect('requester: create an unaffordable campaign', 201, 'POST', '/v1/campaigns', {
      token: requester.token,
      body: { title: 'Too big', instructions: 'x', kind: 'classification', labels: ['yes', 'no'], reward: 1, budget: minted * 10, overlap: 1 },
    });
    await expect('requester: add a task to it', 200, 'POST', `/v1/campaigns/${encodeURIComponent(big.id)}/tasks`, {
      token: requester.token, body: { tasks: [{ id: 'x-1', data: { text: 'x' } }] },
    });
    checkProblem('publish with a short balance', await api('POST', `/v1/campaigns/${encodeURIComponent(big.id)}/publish`, { token: requester.token }), 409);
    check('a failed publish moves no funds', (await balanceOf(requester, asset)) === minted);
  }

  const labels = ['positive', 'negative'];
  const reward = 2_000;
  const overlap = 3;
  const tasks = [
    { id: 'r-1', data: { text: 'Works perfectly, I love it.' }, truth: 'positive', gold: true },
    { id: 'r-2', data: { text: 'Broke after two days.' }, truth: 'negative' },
    { id: 'r-3', data: { text: 'Best purchase this year.' }, truth: 'positive' },
    { id: 'r-4', data: { text: 'Arrived late and damaged.' }, truth: 'negative' },
  ];
  const budget = tasks.length * overlap * reward + 6_000; // every answer can be paid, with some left to refund
  const truthByText = new Map(tasks.map((t) => [t.data.text, t.truth]));
  const opposite = (label) => labels.find((l) => l !== label);

  const campaign = await expect('requester: create campaign', 201, 'POST', '/v1/campaigns', {
    token: requester.token,
    body: {
      title: 'Is this review positive?',
      instructions: 'Read the review and say whether it is positive or negative.',
      kind: 'classification',
      labels,
      reward,
      budget,
      overlap,
    },
  });
  must('campaign is a draft', typeof campaign?.id === 'string' && campaign.status === 'draft', JSON.stringify(campaign));
  const cid = encodeURIComponent(campaign.id);

  const taskBody = {
    tasks: tasks.map((t) => (t.gold ? { id: t.id, data: t.data, gold: t.truth } : { id: t.id, data: t.data })),
  };
  const added = await expect('requester: add tasks', 200, 'POST', `/v1/campaigns/${cid}/tasks`, { token: requester.token, body: taskBody });
  check('tasks added', added?.added === tasks.length, JSON.stringify(added));
  const again = await expect('requester: add the same tasks again (idempotent)', 200, 'POST', `/v1/campaigns/${cid}/tasks`, { token: requester.token, body: taskBody });
  check('adding the same task ids again adds nothing', again?.added === 0, JSON.stringify(again));

  const published = await expect('requester: publish', 200, 'POST', `/v1/campaigns/${cid}/publish`, { token: requester.token });
  check('publish answers open with escrow = budget', published?.status === 'open' && published.escrow === budget, JSON.stringify(published));
  {
    const c = await expect('requester: GET campaign', 200, 'GET', `/v1/campaigns/${cid}`, { token: requester.token });
    check('GET campaign shows open, escrow = budget', c?.status === 'open' && c.escrow === budget && c.tasks === tasks.length, JSON.stringify(c));
  }
  check('requester balance = minted - budget', (await balanceOf(requester, asset)) === minted - budget);

  // 3. Work. Alice and Bob answer the truth; Carol answers the truth on the gold task and wrongly on one other
  // task, so consensus outvotes her there. Carol works first, so her wrong answer is in before the others decide.
  const wrongText = tasks[2].data.text;
  const answerOf = (who, a) => {
    const truth = truthByText.get(a.data?.text);
    if (truth === undefined) return a.labels?.[0] ?? labels[0]; // a task of some other campaign
    return who === carol && a.data.text === wrongText ? opposite(truth) : truth;
  };

  const submissions = []; // { who, assignmentId, status, payment }
  let checkedErrors = false;
  let steps = 0;
  for (const who of [carol, alice, bob]) {
    let emptyWith = false;
    let emptyWithout = false;
    for (let i = 0; !(emptyWith && emptyWithout); i++) {
      guard(`${who.name}: work loop bounded`, ++steps <= MAX_WORK_STEPS, `more than ${MAX_WORK_STEPS} steps`);
      const withCampaign = i % 2 === 0 || emptyWithout;
      const res = await api('POST', '/v1/assignments', {
        token: who.token,
        body: withCampaign ? { campaignId: campaign.id } : {},
      });
      if (res.status === 204) {
        if (withCampaign) emptyWith = true;
        else emptyWithout = true;
        continue;
      }
      guard(`${who.name}: assignment (${withCampaign ? 'with' : 'without'} campaignId)`, res.status === 201, show(res));
      const a = res.json;
      emptyWith = emptyWithout = false;
      if (submissions.length === 0) {
        check(
          'assignment shape; task id and gold not revealed',
          typeof a.id === 'string' && a.kind === 'classification' && Array.isArray(a.labels) && a.reward === reward &&
            typeof a.expiresAt === 'string' && a.data && !('gold' in a) && !('gold' in a.data) && !('taskId' in a) &&
            !JSON.stringify(a).includes('"r-'),
          JSON.stringify(a),
        );
      }
      const path = `/v1/assignments/${encodeURIComponent(a.id)}/submission`;

      if (!checkedErrors && a.campaignId === campaign.id) {
        checkedErrors = true;
        const other = who === alice ? bob : alice;
        checkProblem("submitting to someone else's assignment", await api('POST', path, { token: other.token, body: { answer: answerOf(other, a) } }), 403);
        checkProblem('answer outside the labels', await api('POST', path, { token: who.token, body: { answer: 'maybe' } }), 422);
      }

      const sub = await api('POST', path, { token: who.token, body: { answer: answerOf(who, a) } });
      guard(`${who.name}: submission`, sub.status === 200 && ['accepted', 'rejected', 'pending'].includes(sub.json?.status), show(sub));
      console.log(`  ${who.name}: ${a.campaignId === campaign.id ? '' : '(other campaign) '}"${a.data?.text}" -> ${answerOf(who, a)}: ${sub.json.status}`);
      if (a.campaignId === campaign.id) {
        submissions.push({ who, assignmentId: a.id, status: sub.json.status, payment: sub.json.payment, submissionId: sub.json.submissionId });
      }

      if (submissions.length === 1) {
        checkProblem('second submission to the same assignment', await api('POST', path, { token: who.token, body: { answer: answerOf(who, a) } }), 409);
      }
    }
    check(`${who.name}: 204 when nothing is left, with and without campaignId`, true);
  }
  check('every task answered by overlap contributors', submissions.length === tasks.length * overlap, `${submissions.length} submissions`);
  for (const c of contributors) {
    check(`${c.name}: answered every task once`, submissions.filter((s) => s.who === c).length === tasks.length);
  }

  // 4. Receipts, offline.
  const ledgerTransfers = new Map(); // id -> decoded payload
  for (const s of submissions.filter((x) => x.status === 'accepted')) {
    const p = s.payment;
    if (!check(`${s.who.name}: accepted submission carries a payment`, p && typeof p.transferId === 'string' && p.amount === reward, JSON.stringify(p))) continue;
    const t = verifyReceipt(`${s.who.name}: payment receipt ${p.transferId} verifies offline`, p.receipt, ledgerSigner, {
      id: p.transferId, credit: s.who.address, asset, amount: p.amount, ref: s.submissionId, // submissionId: an extension
    });
    if (t) ledgerTransfers.set(t.id, t);
  }
  const firstPaid = submissions.find((x) => x.payment?.receipt);
  if (firstPaid) checkVerifierRefusesForgeries(firstPaid.payment.receipt, ledgerSigner);
  for (const s of submissions.filter((x) => x.status !== 'accepted')) {
    check(`${s.who.name}: ${s.status} submission carries no payment`, s.payment === undefined || s.payment === null, JSON.stringify(s.payment));
  }

  const transfersOf = new Map();
  for (const w of everyone) {
    const list = await allTransfers(w);
    transfersOf.set(w, list);
    for (const t of list) {
      const d = verifyReceipt(`${w.name}: listed transfer ${t.id} receipt verifies and matches`, t.receipt, ledgerSigner, {
        id: t.id, debit: t.debit, credit: t.credit, asset: t.asset, amount: t.amount, timestamp: t.timestamp, ref: t.ref,
      });
      if (d) {
        check(`${w.name}: listed transfer ${t.id} involves the caller`, d.debit === w.address || d.credit === w.address, JSON.stringify(d));
        const earlier = ledgerTransfers.get(d.id);
        if (earlier) check(`${w.name}: listed transfer ${t.id} is the same as the submission's receipt`, JSON.stringify(earlier) === JSON.stringify(d));
        ledgerTransfers.set(d.id, d);
      }
    }
  }
  const requesterTransfers = transfersOf.get(requester);
  check('faucet transfer listed for the requester', requesterTransfers.some((t) => t.id === faucet.transferId && t.credit === requester.address && t.amount === minted), JSON.stringify(requesterTransfers));
  check('transfers listed newest first', requesterTransfers.every((t, i) => i === 0 || Date.parse(requesterTransfers[i - 1].timestamp) >= Date.parse(t.timestamp)));

  // 5. Results, close, refund, conservation.
  const stats = await expect('requester: GET campaign after the work', 200, 'GET', `/v1/campaigns/${cid}`, { token: requester.token });
  console.log(`  campaign: ${JSON.stringify(stats)}`);
  check('campaign counts every submission', stats.submissions === tasks.length * overlap, JSON.stringify(stats));
  // API.md does not define tasksDone; this server counts the non-gold tasks decided by consensus (a gold task
  // checks each answer against its gold and is never "done").
  const goldCount = tasks.filter((t) => t.gold).length;
  check('every non-gold task done', stats.tasksDone === tasks.length - goldCount, JSON.stringify(stats));
  check('accepted + rejected = submissions', stats.accepted + stats.rejected === stats.submissions, JSON.stringify(stats));
  check('some submissions accepted and some rejected', stats.accepted > 0 && stats.rejected > 0, JSON.stringify(stats));
  check('spent = accepted x reward', stats.spent === stats.accepted * reward, JSON.stringify(stats));
  check('escrow = budget - spent', stats.escrow === budget - stats.spent, JSON.stringify(stats));

  let paidToContributors = 0;
  for (const c of contributors) {
    const payouts = transfersOf.get(c).filter((t) => t.credit === c.address);
    const balance = await balanceOf(c, asset);
    const sum = payouts.reduce((s, t) => s + t.amount, 0);
    check(`${c.name}: balance ${balance} = sum of payouts received`, balance === sum, `payouts sum ${sum}`);
    check(`${c.name}: every payout is one reward with a ref`, payouts.every((t) => t.amount === reward && typeof t.ref === 'string' && t.ref.length > 0), JSON.stringify(payouts));
    paidToContributors += balance;
  }
  check('contributors were paid exactly what the campaign spent', paidToContributors === stats.spent, `${paidToContributors} vs ${stats.spent}`);
  for (const c of contributors) {
    const want = c === carol ? tasks.length - 1 : tasks.length;
    const got = transfersOf.get(c).filter((t) => t.credit === c.address).length;
    check(`${c.name}: paid for ${want} of ${tasks.length} answers${c === carol ? ' (outvoted once)' : ''}`, got === want, `paid ${got} times`);
  }

  const results = await expect('requester: results (JSON)', 200, 'GET', `/v1/campaigns/${cid}/results`, { token: requester.token });
  must('results is a list', Array.isArray(results?.results), JSON.stringify(results));
  for (const t of tasks) {
    const r = results.results.find((x) => x.taskId === t.id);
    check(`result of ${t.id} is the truth (${t.truth})`, r?.answer === t.truth && typeof r.confidence === 'number' && r.submissions === overlap, JSON.stringify(r));
  }
  const csv = await api('GET', `/v1/campaigns/${cid}/results`, { token: requester.token, accept: 'text/csv' });
  check('results as CSV', csv.status === 200 && csv.contentType.toLowerCase().startsWith('text/csv'), show(csv));
  const lines = csv.text.split(/\r?\n/).filter((l) => l.length > 0);
  check('CSV has a header and one line per task', lines.length === tasks.length + 1 && /taskId/i.test(lines[0]) && /answer/i.test(lines[0]), csv.text);
  check('CSV lines name every task and its answer', tasks.every((t) => lines.some((l) => l.includes(t.id) && l.includes(t.truth))), csv.text);

  const closed = await expect('requester: close', 200, 'POST', `/v1/campaigns/${cid}/close`, { token: requester.token });
  check('close answers closed', closed?.status === 'closed' && Number.isSafeInteger(closed.refunded), JSON.stringify(closed));
  const after = await expect('requester: GET campaign after close', 200, 'GET', `/v1/campaigns/${cid}`, { token: requester.token });
  check('campaign closed with escrow 0', after.status === 'closed' && after.escrow === 0, JSON.stringify(after));
  check('spent + refunded = budget', after.spent + closed.refunded === budget, `${after.spent} + ${closed.refunded} vs ${budget}`);

  const balances = [];
  for (const w of everyone) balances.push(await balanceOf(w, asset));
  const total = balances.reduce((s, b) => s + b, 0) + after.escrow;
  check(`conservation: balances ${balances.join(' + ')} + escrow ${after.escrow} = minted ${minted}`, total === minted, `total ${total}`);
  check('requester holds minted - spent', balances[0] === minted - after.spent, `${balances[0]}`);

  // The refund is a signed transfer too.
  const refreshed = await allTransfers(requester);
  const refund = refreshed.find((t) => !requesterTransfers.some((o) => o.id === t.id) && t.credit === requester.address);
  if (closed.refunded > 0 && check('refund transfer listed for the requester', refund?.amount === closed.refunded, JSON.stringify(refreshed))) {
    verifyReceipt('refund receipt verifies and matches', refund.receipt, ledgerSigner, {
      id: refund.id, debit: refund.debit, credit: requester.address, asset, amount: closed.refunded, timestamp: refund.timestamp, ref: refund.ref,
    });
  }

  // A closed campaign hands out no work.
  const late = await api('POST', '/v1/assignments', { token: alice.token, body: { campaignId: campaign.id } });
  check('no assignment from a closed campaign', late.status === 204 || (late.status >= 400 && late.status < 500), show(late));
}

try {
  await main();
} catch (e) {
  if (!(e instanceof Fatal)) {
    failures.push(`unexpected error: ${e.message}`);
    console.log(`FAIL unexpected error: ${e.stack ?? e}`);
  }
}
if (failures.length > 0) {
  console.log(`${failures.length} check(s) failed, ${passed} passed. First failure: ${failures[0]}`);
  process.exit(1);
}
console.log(`all ${passed} checks passed`);
process.exit(0);
