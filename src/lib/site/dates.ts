// Dates are shown in UTC with a fixed locale so that two builds on different machines print the same text.
const dateFormat = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const timeFormat = new Intl.DateTimeFormat('en-US', {
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
  timeZone: 'UTC',
});

/** "Nov 19, 2025". */
export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** "Nov 19, 2025, 9:10 PM UTC". */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return `${dateFormat.format(date)}, ${timeFormat.format(date)} UTC`;
}
