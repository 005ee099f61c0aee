/**
 * The Chromium the e2e tests drive (playwright.config.ts reads CHROMIUM_PATH, else /usr/bin/chromium). `npm test`
 * calls `ensureChromium` before its e2e step so that `npm ci && npm test` does all the set-up on a fresh machine:
 * on Debian or Ubuntu, as root, it installs Debian's `chromium` package through apt-get; anywhere else it fails the
 * e2e step with a message saying how to get one. The decision is a pure function (`chromiumPlan`), tested alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumFacts {
  /** CHROMIUM_PATH, when set and not empty. */
  chromiumPath?: string;
  /** Whether a file exists at a path. */
  exists: (path: string) => boolean;
  /** process.platform. */
  platform: string;
  /** process.getuid(); undefined where there is none (Windows). */
  uid?: number;
  /** apt-get is on the PATH and the system is Debian-based (/etc/debian_version). */
  hasAptGet: boolean;
}

export type ChromiumPlan = { action: 'use'; path: string } | { action: 'install'; path: string } | { action: 'fail'; message: string };

const HOW_TO =
  'Install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) or point the tests at any Chromium or Chrome ' +
  'binary with CHROMIUM_PATH=/path/to/chrome npm test.';

/** What to do for the e2e step: use a Chromium that is there, install Debian's, or fail with a readable message. */
export function chromiumPlan(f: ChromiumFacts): ChromiumPlan {
  if (f.chromiumPath) {
    return f.exists(f.chromiumPath)
      ? { action: 'use', path: f.chromiumPath }
      : { action: 'fail', message: `CHROMIUM_PATH is ${f.chromiumPath}, and there is no file there. ${HOW_TO}` };
  }
  if (f.exists(DEFAULT_CHROMIUM)) return { action: 'use', path: DEFAULT_CHROMIUM };
  if (f.platform === 'linux' && f.hasAptGet && f.uid === 0) return { action: 'install', path: DEFAULT_CHROMIUM };
  const why =
    f.platform === 'linux' && f.hasAptGet
      ? `the e2e tests need Chromium at ${DEFAULT_CHROMIUM}; npm test installs it with apt-get only when run as root.`
      : `the e2e tests need a Chromium, and there is none at ${DEFAULT_CHROMIUM} (npm test installs one itself only on Debian or Ubuntu, as root).`;
  return { action: 'fail', message: `${why} ${HOW_TO}` };
}

/** The facts of this machine. */
export function machineFacts(env: NodeJS.ProcessEnv = process.env): ChromiumFacts {
  const aptGet = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  return {
    chromiumPath: env.CHROMIUM_PATH || undefined,
    exists: existsSync,
    platform: process.platform,
    uid: process.getuid?.(),
    hasAptGet: aptGet && existsSync('/etc/debian_version'),
  };
}

/** The apt-get commands that install Debian's chromium, non-interactively. */
export const APT_INSTALL = ['apt-get update -q', 'apt-get install -y -q chromium'];

/**
 * Makes sure a Chromium is there, installing it if the plan says so. Returns null when the e2e step can run, or
 * the message to show when it cannot. `run` executes one shell command and returns its exit status.
 */
export function ensureChromium(facts: ChromiumFacts, run: (command: string) => number | null, log: (line: string) => void = console.log): string | null {
  const plan = chromiumPlan(facts);
  if (plan.action === 'use') return null;
  if (plan.action === 'fail') return plan.message;
  log(`no Chromium at ${plan.path}: installing Debian's chromium with apt-get (the e2e tests drive it through Playwright)`);
  for (const command of APT_INSTALL) {
    const status = run(command);
    if (status !== 0) return `\`${command}\` failed (exit status ${status}). ${HOW_TO}`;
  }
  return facts.exists(plan.path) ? null : `apt-get installed chromium, but there is still nothing at ${plan.path}. ${HOW_TO}`;
}

/** Runs a command through the shell with apt-get's non-interactive frontend; output goes to the terminal. */
export function runNonInteractive(command: string): number | null {
  return spawnSync(command, { shell: true, stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
}
