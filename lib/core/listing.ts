/**
 * The order every operator listing prints in, newest first, applied in one place. `at` gives the
 * instant (ISO-8601 text, or epoch ms) the listing goes by; items without one go last.
 */
export function newestFirst<T>(items: T[], at: (item: T) => string | number | undefined): T[] {
  return items.sort((a, b) => {
    const x = at(a);
    const y = at(b);
    if (x === y) return 0;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x < y ? 1 : -1;
  });
}
