/**
 * Whether an element is on screen (or within a screen's margin of it), for the charts that stream while a run goes
 * on: one off screen is not redrawn until it scrolls into view (useThrottled.ts). True where the browser has no
 * IntersectionObserver; until the first answer, `initial` (true unless told).
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export function useInView<T extends Element>(initial = true): [(el: T | null) => void, boolean] {
  const [inView, setInView] = useState(() => initial || typeof IntersectionObserver === 'undefined');
  const observer = useRef<IntersectionObserver | null>(null);
  const ref = useCallback((el: T | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    observer.current = new IntersectionObserver((entries) => setInView(entries.some((e) => e.isIntersecting)), { rootMargin: '200px' });
    observer.current.observe(el);
  }, []);
  useEffect(() => () => observer.current?.disconnect(), []);
  return [ref, inView];
}
