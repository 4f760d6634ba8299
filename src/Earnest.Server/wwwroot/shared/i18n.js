// Localised text. Each page registers its strings per language; the language comes from the browser's preferences
// unless the person chose one (kept in this browser). Elements carry data-i18n="key" (text) and
// data-i18n-attr="attribute:key;attribute:key" (attributes such as aria-label or placeholder).
import { strings as shared } from './strings.js';

export const LANGUAGES = { en: 'English', es: 'Español' };
const STORAGE = 'earnest.language';
const tables = { en: { ...shared.en }, es: { ...shared.es } };
let current = pick();

function pick() {
  const chosen = localStorage.getItem(STORAGE);
  if (chosen && chosen in LANGUAGES) return chosen;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (base in LANGUAGES) return base;
  }
  return 'en';
}

/** Adds a page's own strings: { en: {...}, es: {...} }. */
export function register(strings) {
  for (const language of Object.keys(LANGUAGES)) Object.assign(tables[language], strings[language]);
}

export function language() {
  return current;
}

/** The text for a key in the current language (English if missing), with {name} placeholders filled. */
export function t(key, values = {}) {
  const text = tables[current][key] ?? tables.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** Rewrites every marked element under root in the current language. */
export function apply(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':');
      el.setAttribute(attribute, t(key));
    }
  }
}

/** Switches language, remembers the choice, and tells listeners (who re-render what they drew). */
export function setLanguage(code) {
  if (!(code in LANGUAGES)) return;
  current = code;
  localStorage.setItem(STORAGE, code);
  apply();
  document.dispatchEvent(new CustomEvent('languagechange'));
}

/** Fills a <select> with the languages and wires it. */
export function languagePicker(select) {
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => new Option(name, code, false, code === current)));
  select.addEventListener('change', () => setLanguage(select.value));
}
