/**
 * The note the page shows when the address's `hide=` list hides every part it may name (urlConfig.ts HIDEABLE):
 * without it the page would be blank apart from the header. It names the hidden parts and offers to show them again
 * (the address without `hide=`, then a reload, since the hash is read once at load).
 */
import { HIDEABLE, type Hideable } from '../urlConfig';

/** The current address without its `hide=` entry (everything else in the hash kept). */
export function addressWithoutHide(href: string): string {
  const url = new URL(href);
  const params = new URLSearchParams(url.hash.replace(/^#/, ''));
  params.delete('hide');
  const rest = params.toString();
  url.hash = rest ? `#${rest}` : '';
  return url.toString();
}

export function HiddenPartsNote({ hidden }: { hidden: ReadonlySet<Hideable> }) {
  if (!HIDEABLE.every((part) => hidden.has(part))) return null;
  const showAll = () => {
    window.history.replaceState(null, '', addressWithoutHide(window.location.href));
    window.location.reload();
  };
  return (
    <section className="panel notice hidden-parts" role="note" data-testid="hidden-parts-note">
      <p>
        The address hides every part of the page (hide={HIDEABLE.join(',')}). To show them again, remove{' '}
        <code>hide=</code> from the address.
      </p>
      <button type="button" onClick={showAll}>
        Show every part
      </button>
    </section>
  );
}
