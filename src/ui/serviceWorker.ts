/**
 * The offline copy of RTO Lab: registers the service worker that vite-plugin-pwa generates at build time (sw.js: a
 * Workbox precache of the page, the worker bundle, the tfjs wasm files and the data; see vite.config.ts) and keeps
 * the state of an update for UpdateNotice.tsx. Only production builds register it; `npm run dev` runs without one.
 *
 * Versions never mix. The service worker is built with skipWaiting off, so a new version, once downloaded, waits
 * while any page of the old one is open, and the old service worker keeps serving every old file to those pages.
 * A page that opens while a new version is waiting, and is the only RTO Lab page open (counted with a shared Web
 * Lock that every page holds), lets the new version take over and reloads at once, before the user has done
 * anything: the next visit, a reload included, runs the new version throughout. That page then says so, once.
 */
import { Workbox } from 'workbox-window';

/** When this build was made (vite.config.ts `define`); a different value in storage means a new version. */
declare const __RTO_LAB_BUILD__: string;

export type UpdateStatus =
  | { kind: 'none' }
  /** This page is the first one of a new version: from now on every page uses it. */
  | { kind: 'installed'; build: string }
  /** A new version was downloaded while this page was open; this page keeps the version it opened with. */
  | { kind: 'downloaded' }
  /** A new version is waiting, but other RTO Lab pages still run the old one; it takes over once they are closed. */
  | { kind: 'waitingForPages'; others: number }
  /** Another page switched to a new version under this one; this page must be reloaded to load anything new. */
  | { kind: 'replaced' }
  /** The browser refused the service worker: the lab works, but needs the network. */
  | { kind: 'unavailable'; reason: string };

export const BUILD_ID: string = typeof __RTO_LAB_BUILD__ === 'string' ? __RTO_LAB_BUILD__ : 'dev';
const BUILD_KEY = 'rto-lab.build';
const PAGE_LOCK = 'rto-lab-open-page';

let status: UpdateStatus = { kind: 'none' };
const listeners = new Set<() => void>();

function setStatus(next: UpdateStatus): void {
  status = next;
  for (const listener of listeners) listener();
}

export const getUpdateStatus = (): UpdateStatus => status;
export function subscribeUpdateStatus(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
export const dismissUpdateStatus = (): void => setStatus({ kind: 'none' });

/** Records this build as the one in use; returns true when a different one was in use before (not on a first visit). */
function isNewBuild(): boolean {
  try {
    const previous = localStorage.getItem(BUILD_KEY);
    if (previous === BUILD_ID) return false;
    localStorage.setItem(BUILD_KEY, BUILD_ID);
    return previous !== null;
  } catch {
    return false; // storage refused (quota, privacy mode): the notice is not worth an error
  }
}

/** Holds a shared lock for as long as this page lives, so that pages can count each other. */
function holdPageLock(): Promise<void> {
  if (!navigator.locks) return Promise.resolve();
  return new Promise((held) => {
    void navigator.locks.request(PAGE_LOCK, { mode: 'shared' }, () => {
      held();
      return new Promise<never>(() => {});
    });
  });
}

/** Other RTO Lab pages open in this browser, or null when the browser cannot tell (no Web Locks). */
async function otherPages(): Promise<number | null> {
  if (!navigator.locks) return null;
  const count = async () => ((await navigator.locks.query()).held ?? []).filter((l) => l.name === PAGE_LOCK).length - 1;
  const first = await count();
  if (first === 0) return 0;
  // On a reload the old page's lock may still be on its way out: look once more before counting it.
  await new Promise((r) => setTimeout(r, 500));
  return count();
}

/** Set once this page has asked the waiting version to take over; its taking control then reloads the page. */
let switching = false;

async function onWaiting(workbox: Workbox, atStart: boolean): Promise<void> {
  if (!atStart) {
    setStatus({ kind: 'downloaded' });
    return;
  }
  const others = await otherPages();
  if (others !== 0) {
    setStatus({ kind: 'waitingForPages', others: others ?? 1 });
    return;
  }
  switching = true;
  workbox.messageSkipWaiting();
}

/** Registers the service worker (production builds only) and starts following its updates. */
export function startServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  if (isNewBuild()) setStatus({ kind: 'installed', build: BUILD_ID });
  const servedByWorker = navigator.serviceWorker.controller !== null;
  const workbox = new Workbox(new URL('sw.js', document.baseURI).href);
  workbox.addEventListener('waiting', (event) => {
    void onWaiting(workbox, event.wasWaitingBeforeRegister === true);
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (switching) window.location.reload();
    // The first install takes control of the page it was installed from (clientsClaim): nothing changes for it.
    else if (servedByWorker) setStatus({ kind: 'replaced' });
  });
  void holdPageLock()
    .then(() => workbox.register())
    .catch((error: unknown) => setStatus({ kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) }));
}
