// Numbers, money and times for people, in the current language.
import { language } from './i18n.js';

/** An amount in base units (a JSON integer) as whole units with the asset's decimals, exactly (BigInt arithmetic). */
export function amount(baseUnits, decimals = 6, symbol = '') {
  const n = BigInt(baseUnits);
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  let fraction = (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  if (fraction.length < 2 && decimals >= 2) fraction = fraction.padEnd(2, '0');
  const wholeText = new Intl.NumberFormat(language()).format(whole);
  const separator = new Intl.NumberFormat(language()).format(1.5).charAt(1);
  return `${negative ? '-' : ''}${wholeText}${fraction ? separator + fraction : ''}${symbol ? ' ' + symbol : ''}`;
}

/** Parses whole units typed by a person ("1.5", "1,5") into base units; null when it is not a plain amount. */
export function parseAmount(text, decimals = 6) {
  const match = /^\s*(\d{1,9})(?:[.,](\d+))?\s*$/.exec(text ?? '');
  if (!match || (match[2] ?? '').length > decimals) return null;
  return Number(BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt((match[2] ?? '').padEnd(decimals, '0') || '0'));
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(language(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}

export function percent(share, digits = 0) {
  return new Intl.NumberFormat(language(), { style: 'percent', maximumFractionDigits: digits }).format(share);
}

export function dateTime(iso) {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

export function time(iso) {
  return new Intl.DateTimeFormat(language(), { timeStyle: 'medium' }).format(new Date(iso));
}

/** A duration in milliseconds as "850 ms", "12 s", "3 min". */
export function duration(ms) {
  if (ms < 1000) return `${number(ms)} ms`;
  if (ms < 120_000) return `${number(ms / 1000, 1)} s`;
  return `${number(ms / 60_000, 1)} min`;
}

/** An address shortened for display: first and last four characters. */
export function shortAddress(address) {
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}
