/**
 * The page's setup (setup.ts) as React state, started from the address's hash; every change goes back into the
 * hash (replacing it, not adding history), so a link reproduces the setup. Nothing is written until a change.
 */
import { useEffect, useState } from 'react';
import type { SftSummary } from '../worker/protocol';
import { followModel, overridesOf, type Setup } from './setup';
import { hashOfConfig, type UrlConfig } from './urlConfig';

export interface SetupApi {
  setup: Setup;
  /** Makes `next` the setup and writes it into the address. */
  change: (next: Setup) => void;
}

/** `model`: the lab's SFT model; when a new one comes in from elsewhere, the setup takes its task and preset (followModel). */
export function useSetup(config: UrlConfig, model: SftSummary | null): SetupApi {
  const [setup, setSetup] = useState<Setup>(() => ({ task: config.task, preset: config.preset, edited: config.overrides, sweep: config.sweep }));
  const [initial] = useState(setup);
  // A new model: the setup follows it in the same render (React's way to adjust state when an input changes).
  const [seenModel, setSeenModel] = useState(model);
  if (model !== seenModel) {
    setSeenModel(model);
    const next = model ? followModel(setup, model) : setup;
    if (next !== setup) setSetup(next);
  }
  useEffect(() => {
    if (setup === initial) return;
    const url = new URL(window.location.href);
    url.hash = hashOfConfig({ task: setup.task, preset: setup.preset, overrides: overridesOf(setup), hide: config.hide, sweep: setup.sweep });
    window.history.replaceState(null, '', url);
  }, [setup, initial, config.hide]);
  return { setup, change: setSetup };
}
