import { clsx, type ClassValue } from 'clsx';
import { twMerge } from 'tailwind-merge';

export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const firstGrapheme = (word: string) => graphemes.segment(word)[Symbol.iterator]().next().value?.segment ?? '';

/**
 * Initials for an avatar: "Ada Lovelace" -> "AL". Whole graphemes, never half of one: a
 * name ending in an emoji ("Ada 🎉") used to give a lone surrogate, which rendered as a
 * broken glyph and differed between server and browser (React error #418). Words that
 * start with a letter are preferred; a name of emoji alone shows its first one.
 */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const lettered = words.filter((word) => /^\p{L}/u.test(word));
  if (lettered.length === 0) return firstGrapheme(words[0]!);
  const first = firstGrapheme(lettered[0]!);
  const last = lettered.length > 1 ? firstGrapheme(lettered[lettered.length - 1]!) : '';
  return (first + last).toLocaleUpperCase();
}

/**
 * A date and time in the browser's own time zone and locale. Only for the browser: the
 * server does not know the reader's zone, so server-rendered times go through
 * <LocalTime>, which renders this after hydration.
 */
export function formatDate(iso: string | null | undefined, options: Intl.DateTimeFormatOptions = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', ...options }).format(d);
}
