// The signed-in requester: the API client, the assets, the account and its balances, and amounts in whole units.
import { Api, ApiError } from '../shared/api.js';
import { language } from '../shared/i18n.js';
import * as fmt from '../shared/format.js';

export const app = {
  api: new Api(),
  /** The wallet signed in with, or null for an API key. */
  wallet: null,
  apiKey: null,
  assets: [],
  account: null,
  /** Called when the server no longer accepts the API key. */
  onSignedOut: () => {},
};

/** An API call; with a wallet, an expired token is renewed by signing in again and the call is made once more. */
export async function call(method, path, body, options) {
  try {
    return await app.api.call(method, path, body, options);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    if (app.wallet) {
      await app.api.signIn(app.wallet);
      return app.api.call(method, path, body, options);
    }
    app.onSignedOut();
    throw error;
  }
}

export async function refreshAccount() {
  app.account = await call('GET', '/v1/accounts/me');
  return app.account;
}

export function defaultAsset() {
  return app.assets.find((a) => a.symbol === 'EARN') ?? app.assets[0] ?? { symbol: 'EARN', decimals: 6 };
}

export function asset(symbol) {
  return app.assets.find((a) => a.symbol === symbol) ?? { symbol, decimals: 6 };
}

export function balanceOf(symbol) {
  return app.account?.balances.find((b) => b.asset === symbol)?.amount ?? 0;
}

/** Base units as whole units of the asset, with its symbol. */
export function money(amount, symbol) {
  const a = asset(symbol);
  return fmt.amount(amount, a.decimals, a.symbol);
}

/**
 * Whole units typed by a person into base units, or null. Digits grouped the way the current language groups them
 * ("1,000" in English, "1.000" in Spanish) are read as grouped, so "1,000" is a thousand and never one.
 */
export function parseUnits(text, decimals) {
  const parts = new Intl.NumberFormat(language()).formatToParts(12345.6);
  const group = parts.find((p) => p.type === 'group')?.value ?? ',';
  const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  const plain = (text ?? '').trim().replace(/[\s\u00a0\u202f]/g, '');
  const escape = (c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const grouped = new RegExp(`^\\d{1,3}(${escape(group)}\\d{3})+(${escape(decimal)}\\d+)?$`);
  if (grouped.test(plain)) return fmt.parseAmount(plain.split(group).join('').replace(decimal, '.'), decimals);
  return fmt.parseAmount(plain, decimals);
}
