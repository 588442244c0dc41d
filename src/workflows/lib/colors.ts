export const colors = ['blue', 'green'] as const;
export type Color = (typeof colors)[number];

/** The other colour; the first release of a service (no active colour) goes to blue. */
export function standbyColor(active: Color | undefined): Color {
  return active === 'blue' ? 'green' : 'blue';
}
