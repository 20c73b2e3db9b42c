import type { SearchDocument } from '../src/modules/search/engine/types.ts';
import { MAIN_OWNER, phoneKeywords } from './search-data.ts';

/**
 * The labelled relevance set: "needle" documents planted in the generated data, and queries
 * a person would type to find them (exact, typos, as-you-type prefixes, phone numbers in
 * other formats, emails, several words). Each query lists the needles that answer it.
 * The generated documents around them share their words (names, common words), so the
 * needles have to be ranked, not merely matched.
 */

type Needle = Omit<SearchDocument, 'ownerId' | 'version' | 'occurredAt' | 'source'> & { source?: string };

export const needles: Needle[] = [
  { id: 'n-john-smith', type: 'person', title: 'John Smith', body: 'Acme, Boston', keywords: ['john.smith@acme.com', ...phoneKeywords('+14155550123')] },
  { id: 'n-marguerite', type: 'person', title: 'Marguerite Okonkwo', body: 'Globex, Lagos', keywords: ['m.okonkwo@globex.com', ...phoneKeywords('+12125550199')] },
  { id: 'n-siobhan', type: 'person', title: 'Siobhan Fitzgerald', body: 'Initech, Dublin', keywords: ['siobhan@fitzgerald.ie'] },
  { id: 'n-wojciech', type: 'person', title: 'Wojciech Brzezinski', body: 'Hooli, Warsaw', keywords: ['wojtek@hooli.com', ...phoneKeywords('+13125550147')] },
  { id: 'n-dentist', type: 'event', title: 'Dentist appointment with Dr Alvarez', body: 'Checkup and cleaning at the Madrid clinic, bring the insurance card', keywords: [] },
  { id: 'n-passport', type: 'note', title: 'Passport renewal checklist', body: 'Photo, old passport, consulate form DS-82, fee paid by cheque', keywords: [] },
  { id: 'n-landlord', type: 'message', title: 'Boiler repair', body: 'Hi, the landlord says the plumber comes Thursday morning to repair the boiler', keywords: ['Rachel Green'] },
  { id: 'n-invoice', type: 'message', title: 'Invoice 2024-117 overdue', body: 'Please find attached invoice 2024-117 for the Vandelay project, payment is now overdue', keywords: ['Art Vandelay'] },
  { id: 'n-wedding', type: 'event', title: 'Chiara and Mateo wedding', body: 'Ceremony in Milan, dinner and dancing afterwards, dress code black tie', keywords: ['Chiara Rossi'] },
  { id: 'n-vet', type: 'event', title: 'Vet visit for Biscuit', body: 'Annual vaccination for the cat Biscuit at the vet on Main Street', keywords: [] },
  { id: 'n-tax', type: 'note', title: 'Tax return 2025 notes', body: 'Self assessment deadline 31 January, gather bank interest statements and pension contributions', keywords: [] },
  { id: 'n-flight', type: 'message', title: 'Your flight to Reykjavik', body: 'Booking reference QX7RTZ, flight FI455 departs 07:40 from Gatwick, seat 14C', keywords: ['Icelandair'] },
  { id: 'n-sourdough', type: 'note', title: 'Sourdough starter recipe', body: 'Feed the starter with rye flour and water every morning, bake when it doubles', keywords: [] },
  { id: 'n-bike', type: 'message', title: 'Bike for sale', body: 'Selling my Brompton folding bike, barely used, collection from Shoreditch', keywords: ['Tom Hughes'] },
  { id: 'n-offsite', type: 'event', title: 'Team offsite planning', body: 'Quarterly offsite in Lisbon, agenda: roadmap, budget, hiring plan', keywords: ['Priya Sharma'] },
  { id: 'n-kindergarten', type: 'message', title: 'Kindergarten pickup change', body: 'From Monday the kindergarten closes at 4pm, grandma will pick up the kids', keywords: ['Mum'] },
  { id: 'n-mortgage', type: 'note', title: 'Mortgage remortgage options', body: 'Fixed rate five years versus tracker, broker fee, early repayment charge', keywords: [] },
  { id: 'n-concert', type: 'event', title: 'Radiohead concert', body: 'Tickets for Radiohead at the O2 arena, doors open 7pm', keywords: ['Sven Lindqvist'] },
  { id: 'n-hiroshi', type: 'person', title: 'Hiroshi Tanaka', body: 'Tyrell, Osaka', keywords: ['hiroshi.tanaka@tyrell.co.jp', ...phoneKeywords('+16465550111')] },
  { id: 'n-wifi', type: 'note', title: 'Home wifi password', body: 'Network name Kestrel-5G, router in the hallway cupboard', keywords: [] },
  { id: 'n-garden', type: 'note', title: 'Allotment garden plan', body: 'Plant tomatoes, courgettes and runner beans in May, compost in autumn', keywords: [] },
  { id: 'n-car', type: 'message', title: 'MOT reminder', body: 'Your Volkswagen Golf MOT is due next week, book at the garage on Elm Road', keywords: ['Garage'] },
  { id: 'n-chidi', type: 'person', title: 'Chidi Anagonye', body: 'Pied Piper, Nairobi', keywords: ['chidi@piedpiper.com', ...phoneKeywords('+17185550175')] },
  { id: 'n-book-club', type: 'event', title: 'Book club: Middlemarch', body: 'Discuss chapters one to twenty of Middlemarch, bring snacks', keywords: ['Emma Wilson'] },
  { id: 'n-contract', type: 'message', title: 'Signed contract attached', body: 'The signed freelance contract for the Umbrella rebrand is attached, net 30 payment terms', keywords: ['Alice Umbrella'] },
  { id: 'n-marathon', type: 'note', title: 'Marathon training plan', body: 'Long run Sunday, intervals Tuesday, tempo Thursday, taper two weeks before Berlin', keywords: [] },
  { id: 'n-mrsmith', type: 'message', title: 'SMS from Jon Smythe', body: 'Running late, be there in ten', keywords: ['Jon Smythe'] },
  { id: 'n-ingrid', type: 'person', title: 'Ingrid Eriksson', body: 'Monarch, Stockholm', keywords: ['ingrid.eriksson@monarch.se'] },
  { id: 'n-photos', type: 'message', title: 'Holiday photos', body: 'Uploaded the Santorini holiday photos to the shared album', keywords: ['Sophia Papadopoulos'] },
  { id: 'n-recycling', type: 'note', title: 'Recycling collection days', body: 'Blue bin every other Wednesday, food waste weekly on Friday', keywords: [] },
];

export interface LabelledQuery {
  q: string;
  kind: 'exact' | 'typo' | 'prefix' | 'phone' | 'email' | 'words';
  relevant: string[];
}

export const labelledQueries: LabelledQuery[] = [
  { q: 'John Smith', kind: 'exact', relevant: ['n-john-smith'] },
  { q: 'Jonh Smiht', kind: 'typo', relevant: ['n-john-smith'] },
  { q: 'john smi', kind: 'prefix', relevant: ['n-john-smith'] },
  { q: '(415) 555-0123', kind: 'phone', relevant: ['n-john-smith'] },
  { q: '+1 415 555 0123', kind: 'phone', relevant: ['n-john-smith'] },
  { q: '415-555', kind: 'phone', relevant: ['n-john-smith'] },
  { q: 'john.smith@acme.com', kind: 'email', relevant: ['n-john-smith'] },
  { q: 'Marguerite Okonkwo', kind: 'exact', relevant: ['n-marguerite'] },
  { q: 'Margurite Okonkow', kind: 'typo', relevant: ['n-marguerite'] },
  { q: 'okonk', kind: 'prefix', relevant: ['n-marguerite'] },
  { q: '212.555.0199', kind: 'phone', relevant: ['n-marguerite'] },
  { q: 'Siobhan', kind: 'exact', relevant: ['n-siobhan'] },
  { q: 'Shiobhan Fitzgerlad', kind: 'typo', relevant: ['n-siobhan'] },
  { q: 'Wojciech', kind: 'exact', relevant: ['n-wojciech'] },
  { q: 'Wojceich Brzezinksi', kind: 'typo', relevant: ['n-wojciech'] },
  { q: '312 555 0147', kind: 'phone', relevant: ['n-wojciech'] },
  { q: 'dentist appointment', kind: 'words', relevant: ['n-dentist'] },
  { q: 'dentst apointment', kind: 'typo', relevant: ['n-dentist'] },
  { q: 'dentist alva', kind: 'prefix', relevant: ['n-dentist'] },
  { q: 'passport renewal', kind: 'words', relevant: ['n-passport'] },
  { q: 'pasport renewel', kind: 'typo', relevant: ['n-passport'] },
  { q: 'passport rene', kind: 'prefix', relevant: ['n-passport'] },
  { q: 'plumber boiler', kind: 'words', relevant: ['n-landlord'] },
  { q: 'boiler repar', kind: 'typo', relevant: ['n-landlord'] },
  { q: 'invoice overdue', kind: 'words', relevant: ['n-invoice'] },
  { q: 'vandelay invoice', kind: 'words', relevant: ['n-invoice'] },
  { q: 'invoce overdeu', kind: 'typo', relevant: ['n-invoice'] },
  { q: 'chiara mateo wedding', kind: 'words', relevant: ['n-wedding'] },
  { q: 'weding milan', kind: 'typo', relevant: ['n-wedding'] },
  { q: 'biscuit vet', kind: 'words', relevant: ['n-vet'] },
  { q: 'vaccination cat', kind: 'words', relevant: ['n-vet'] },
  { q: 'tax return deadline', kind: 'words', relevant: ['n-tax'] },
  { q: 'pension contributons', kind: 'typo', relevant: ['n-tax'] },
  { q: 'reykjavik flight', kind: 'words', relevant: ['n-flight'] },
  { q: 'rekjavik', kind: 'typo', relevant: ['n-flight'] },
  { q: 'gatwick booking reference', kind: 'words', relevant: ['n-flight'] },
  { q: 'sourdough', kind: 'exact', relevant: ['n-sourdough'] },
  { q: 'sourdo', kind: 'prefix', relevant: ['n-sourdough'] },
  { q: 'brompton bike', kind: 'words', relevant: ['n-bike'] },
  { q: 'bromton', kind: 'typo', relevant: ['n-bike'] },
  { q: 'offsite lisbon', kind: 'words', relevant: ['n-offsite'] },
  { q: 'kindergarten pickup', kind: 'words', relevant: ['n-kindergarten'] },
  { q: 'kindergarden', kind: 'typo', relevant: ['n-kindergarten'] },
  { q: 'remortgage broker', kind: 'words', relevant: ['n-mortgage'] },
  { q: 'radiohead tickets', kind: 'words', relevant: ['n-concert'] },
  { q: 'radiohed', kind: 'typo', relevant: ['n-concert'] },
  { q: 'Hiroshi Tanaka', kind: 'exact', relevant: ['n-hiroshi'] },
  { q: 'hiro tana', kind: 'prefix', relevant: ['n-hiroshi'] },
  { q: '646-555-0111', kind: 'phone', relevant: ['n-hiroshi'] },
  { q: 'wifi password', kind: 'words', relevant: ['n-wifi'] },
  { q: 'kestrel router', kind: 'words', relevant: ['n-wifi'] },
  { q: 'allotment tomatoes', kind: 'words', relevant: ['n-garden'] },
  { q: 'tomatos courgettes', kind: 'typo', relevant: ['n-garden'] },
  { q: 'MOT golf', kind: 'words', relevant: ['n-car'] },
  { q: 'volkswagon', kind: 'typo', relevant: ['n-car'] },
  { q: 'Chidi', kind: 'exact', relevant: ['n-chidi'] },
  { q: 'chidi@piedpiper.com', kind: 'email', relevant: ['n-chidi'] },
  { q: '(718) 555 0175', kind: 'phone', relevant: ['n-chidi'] },
  { q: 'middlemarch book club', kind: 'words', relevant: ['n-book-club'] },
  { q: 'midlemarch', kind: 'typo', relevant: ['n-book-club'] },
  { q: 'freelance contract umbrella', kind: 'words', relevant: ['n-contract'] },
  { q: 'marathon training', kind: 'words', relevant: ['n-marathon'] },
  { q: 'maraton taper', kind: 'typo', relevant: ['n-marathon'] },
  { q: 'Jon Smythe', kind: 'exact', relevant: ['n-mrsmith'] },
  { q: 'ingrid eriksson', kind: 'exact', relevant: ['n-ingrid'] },
  { q: 'ingrid.eriksson@monarch.se', kind: 'email', relevant: ['n-ingrid'] },
  { q: 'santorini photos', kind: 'words', relevant: ['n-photos'] },
  { q: 'santor', kind: 'prefix', relevant: ['n-photos'] },
  { q: 'recycling blue bin', kind: 'words', relevant: ['n-recycling'] },
  { q: 'recyling', kind: 'typo', relevant: ['n-recycling'] },
];

/** The needles as documents of the main owner. */
export function needleDocuments(): SearchDocument[] {
  return needles.map((n, i) => ({
    ...n,
    ownerId: MAIN_OWNER,
    version: 1,
    occurredAt: 1_700_000_000_000 + i,
    source: n.source ?? null,
  }));
}
