/**
 * The page's setup (setup.ts) as React state, started from the address's hash; every change goes back into the
 * hash (replacing it, not adding history), so a link reproduces the setup. Nothing is written until a change.
 */
import { useCallback, useState } from 'react';
import { overridesOf, type Setup } from './setup';
import { hashOfConfig, type UrlConfig } from './urlConfig';

export interface SetupApi {
  setup: Setup;
  /** Makes `next` the setup and writes it into the address. */
  change: (next: Setup) => void;
}

export function useSetup(config: UrlConfig): SetupApi {
  const [setup, setSetup] = useState<Setup>(() => ({ task: config.task, preset: config.preset, edited: config.overrides, sweep: config.sweep }));
  const change = useCallback(
    (next: Setup) => {
      setSetup(next);
      const url = new URL(window.location.href);
      url.hash = hashOfConfig({ task: next.task, preset: next.preset, overrides: overridesOf(next), hide: config.hide, sweep: next.sweep });
      window.history.replaceState(null, '', url);
    },
    [config.hide],
  );
  return { setup, change };
}
