/** "1st", "2nd", "3rd", "11th", "22nd": a place in the line for a sandbox, as it is said. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

/** What an attendee waiting for a sandbox is told, on the page and in the API's answer. */
export function queuePlaceText(position: number, max: number): string {
  const inUse = max === 1 ? 'The one sandbox is in use' : `All ${max} sandboxes are in use`;
  return `${inUse}: you are ${position <= 1 ? 'next' : ordinal(position)} in line, and get one as soon as one frees.`;
}
