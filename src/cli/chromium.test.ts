import { describe, expect, it } from 'vitest';
import { APT_INSTALL, chromiumPlan, DEFAULT_CHROMIUM, ensureChromium, type ChromiumFacts } from './chromium';

const facts = (over: Partial<ChromiumFacts> & { files?: string[] }): ChromiumFacts => {
  const files = new Set(over.files ?? []);
  return { exists: (p) => files.has(p), platform: 'linux', uid: 0, hasAptGet: true, ...over };
};

describe('chromiumPlan', () => {
  it('uses /usr/bin/chromium when it is there, whoever runs the tests', () => {
    expect(chromiumPlan(facts({ files: [DEFAULT_CHROMIUM], uid: 1000 }))).toEqual({ action: 'use', path: DEFAULT_CHROMIUM });
    expect(chromiumPlan(facts({ files: [DEFAULT_CHROMIUM], platform: 'darwin', hasAptGet: false }))).toEqual({ action: 'use', path: DEFAULT_CHROMIUM });
  });

  it('uses CHROMIUM_PATH when set, and never installs over it', () => {
    expect(chromiumPlan(facts({ chromiumPath: '/opt/chrome', files: ['/opt/chrome'] }))).toEqual({ action: 'use', path: '/opt/chrome' });
    const missing = chromiumPlan(facts({ chromiumPath: '/opt/chrome' }));
    expect(missing.action).toBe('fail');
    expect(missing.action === 'fail' && missing.message).toContain('CHROMIUM_PATH is /opt/chrome, and there is no file there');
  });

  it('installs only on Debian/Ubuntu as root', () => {
    expect(chromiumPlan(facts({}))).toEqual({ action: 'install', path: DEFAULT_CHROMIUM });
    for (const other of [{ uid: 1000 }, { hasAptGet: false }, { platform: 'darwin', hasAptGet: false }, { platform: 'win32', uid: undefined, hasAptGet: false }]) {
      const plan = chromiumPlan(facts(other));
      expect(plan.action).toBe('fail');
      // Every failure says both ways out.
      expect(plan.action === 'fail' && plan.message).toMatch(/apt-get install -y chromium.*CHROMIUM_PATH=\/path\/to\/chrome/);
    }
    const notRoot = chromiumPlan(facts({ uid: 1000 }));
    expect(notRoot.action === 'fail' && notRoot.message).toContain('only when run as root');
  });
});

describe('ensureChromium', () => {
  it('runs apt-get update, then install, and succeeds once the binary is there', () => {
    const files = new Set<string>();
    const ran: string[] = [];
    const f = facts({});
    const result = ensureChromium({ ...f, exists: (p) => files.has(p) }, (c) => (ran.push(c), c.includes('install') && files.add(DEFAULT_CHROMIUM), 0), () => {});
    expect(result).toBeNull();
    expect(ran).toEqual(APT_INSTALL);
    expect(APT_INSTALL).toEqual(['apt-get update -q', 'apt-get install -y -q chromium']);
  });

  it('stops at the first failing command and says which', () => {
    const ran: string[] = [];
    const result = ensureChromium(facts({}), (c) => (ran.push(c), 100), () => {});
    expect(ran).toEqual(['apt-get update -q']);
    expect(result).toContain('`apt-get update -q` failed (exit status 100)');
  });

  it('fails when the install leaves no binary, and runs nothing when a Chromium is there', () => {
    expect(ensureChromium(facts({}), () => 0, () => {})).toContain('still nothing at /usr/bin/chromium');
    const ran: string[] = [];
    expect(ensureChromium(facts({ files: [DEFAULT_CHROMIUM] }), (c) => (ran.push(c), 0), () => {})).toBeNull();
    expect(ran).toEqual([]);
  });
});
