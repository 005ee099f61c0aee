/**
 * A one-line notice at the top of the page about the offline copy's updates (state kept by ../serviceWorker.ts):
 * a new version now in use, one waiting for the next visit, or one that another page switched to. Mounted from
 * main.tsx, beside the App, so it shows whatever the App is doing.
 */
import { useSyncExternalStore } from 'react';
import { dismissUpdateStatus, getUpdateStatus, subscribeUpdateStatus, type UpdateStatus } from '../serviceWorker';

function describe(status: UpdateStatus): { text: string; reload: boolean } | null {
  switch (status.kind) {
    case 'none':
      return null;
    case 'installed':
      return { text: `A new version of RTO Lab was installed (built ${status.build}); it is in use from now on.`, reload: false };
    case 'downloaded':
      return {
        text: 'A new version of RTO Lab has been downloaded. This page keeps the version it opened with; the new one is used the next time you open or reload the lab (a reload ends any run in progress).',
        reload: true,
      };
    case 'waitingForPages':
      return {
        text: `A new version of RTO Lab is ready, but ${status.others === 1 ? 'another RTO Lab page is' : `${status.others} other RTO Lab pages are`} still open with the old one. It is used once ${status.others === 1 ? 'that page is' : 'those pages are'} closed; until then this page stays on the old version.`,
        reload: false,
      };
    case 'replaced':
      return {
        text: 'RTO Lab was updated from another page. Reload this page to use the new version; until then it may fail to load parts it has not used yet.',
        reload: true,
      };
    case 'unavailable':
      return { text: `The offline copy of RTO Lab could not be installed (${status.reason}); the lab works, but only while online.`, reload: false };
  }
}

export function UpdateNotice() {
  const status = useSyncExternalStore(subscribeUpdateStatus, getUpdateStatus);
  const shown = describe(status);
  if (!shown) return null;
  return (
    <div
      className="panel"
      role="status"
      data-testid="update-notice"
      data-kind={status.kind}
      style={{ margin: '0.5rem auto', maxWidth: '68rem', display: 'flex', gap: '0.8rem', alignItems: 'center', flexWrap: 'wrap' }}
    >
      <span style={{ flex: '1 1 20rem' }}>{shown.text}</span>
      {shown.reload && (
        <button type="button" onClick={() => window.location.reload()}>
          Reload now
        </button>
      )}
      <button type="button" onClick={dismissUpdateStatus}>
        Dismiss
      </button>
    </div>
  );
}
