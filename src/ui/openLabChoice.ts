/**
 * Which lab the page opens on load, kept in localStorage: a lab's id (the one open when the page went away), or
 * "none" after Start fresh. Nothing stored means the newest saved lab.
 */
const KEY = 'rto-lab:open-lab';

/** The id to open, null for the newest saved lab, or 'none'. */
export function openLabChoice(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function rememberOpenLab(id: string): void {
  try {
    localStorage.setItem(KEY, id);
  } catch {
    // storage unavailable: the page then opens the newest saved lab
  }
}

export function forgetOpenLab(): void {
  try {
    localStorage.setItem(KEY, 'none');
  } catch {
    // as above
  }
}
