// Small DOM helpers: build elements without HTML strings (nothing the server or a file says is parsed as markup),
// and messages that re-render when the language changes.
import { t } from '../shared/i18n.js';
import { ApiError } from '../shared/api.js';

export const $ = (id) => document.getElementById(id);

/** An element with attributes (class, text, on<event>, or plain attributes) and children. */
export function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

const messages = new Map();

/**
 * Shows a message in an element (hidden while empty). `text` is a function returning the text in the current
 * language, so the message follows a language switch; null clears it.
 */
export function say(el, text) {
  if (text === null || text === undefined) {
    messages.delete(el);
    el.textContent = '';
    if (el.dataset.keep === undefined) el.hidden = true;
    return;
  }
  const render = typeof text === 'function' ? text : () => text;
  messages.set(el, render);
  el.textContent = render();
  el.hidden = false;
}

document.addEventListener('languagechange', () => {
  for (const [el, render] of messages) el.textContent = render();
});

/** What went wrong, for people: the server's problem detail, or that it cannot be reached. */
export function describe(error) {
  if (error instanceof ApiError && error.status === 0) return t('error.offline');
  return t('error.generic', { detail: error?.message ?? String(error) });
}

/** Runs at most once per `ms`, never two at a time; calls during a run schedule one more after it. */
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    last = Date.now();
    try {
      await fn();
    } catch {
      // the next event or visit retries
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer === null) timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  return schedule;
}
