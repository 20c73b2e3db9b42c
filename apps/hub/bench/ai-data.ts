/**
 * The generated personal dataset for the AI retrieval evaluation (issue 15): 200 people,
 * each with messages, a call, a calendar event and a note of everyday filler, plus 60
 * labelled facts hidden among them, each with a question a person would ask and the one
 * entity that answers it. Deterministic (seeded). Questions come in three styles:
 * - keyword: shares the rare words of its source ("Where is the spare key for the shed?");
 * - paraphrase: shares no content word with its source ("Where did I leave the canoe?");
 * - filtered: names a person, a type or a time ("What did Priya text me last week?").
 */

export interface DatasetEntity {
  key: string;
  type: 'person' | 'message' | 'call' | 'calendar_event' | 'note';
  title: string;
  body: string;
  occurredAt: string | null;
  /** The person this entity is about or from (linked in the graph). */
  personKey?: string;
}

export interface LabelledQuestion {
  question: string;
  style: 'keyword' | 'paraphrase' | 'filtered';
  /** The entity that answers it. */
  sourceKey: string;
}

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = `Ada Grace Priya Tomás Wei Amara Lars Sofia Kenji Fatima Oliver Chloe Mateo Ingrid Ravi Yara Jonas
Leila Hugo Mei Dmitri Nadia Felix Zara Omar Elin Arjun Rosa Theo Hana`.split(/\s+/);
const lastNames = `Lovelace Hopper Patel García Zhang Okafor Nilsson Rossi Tanaka Haddad Brown Martin Silva Berg Iyer
Haddad Fischer Chen Volkov Kowalski Weber Ahmed Sato Lindqvist Mehta Costa Moreau Novak`.split(/\s+/);

const filler = {
  message: [
    'Running ten minutes late, sorry!',
    'Thanks for yesterday, it was lovely to catch up.',
    'Did you see the match last night?',
    'Can you send me the photos from the weekend?',
    'Happy birthday! Hope you have a great day.',
    'I will bring dessert on Saturday.',
    'Traffic is terrible on the ring road again.',
    'Let me know when you are free for a coffee.',
    'The meeting notes are in the shared folder.',
    'Good luck with the presentation tomorrow.',
  ],
  call: [
    'Transcript: quick chat about weekend plans and the weather.',
    'Transcript: catching up on family news, nothing urgent.',
    'Transcript: discussed the project timeline, all on track.',
    'Missed call, no voicemail.',
    'Transcript: asked how the new job is going.',
  ],
  calendar_event: [
    'Coffee catch-up at the corner café.',
    'Weekly team sync.',
    'Dinner at the Italian place.',
    'Yoga class.',
    'Dentist check-up.',
  ],
  note: [
    'Likes jazz and long walks.',
    'Met at the conference in spring.',
    'Prefers email over phone calls.',
    'Has two kids and a dog.',
    'Works in logistics.',
  ],
} as const;

type FactType = 'message' | 'call' | 'calendar_event' | 'note';
interface Fact {
  type: FactType;
  title: string;
  body: string;
  question: string;
  style: LabelledQuestion['style'];
  /** Days before "now" it happened (filtered time questions rely on it). */
  daysAgo?: number;
}

// {p}: the person's full name, {f}: their first name.
const facts: Fact[] = [
  {
    type: 'note',
    title: 'Shed key',
    body: 'The spare key for the garden shed is under the blue flowerpot.',
    question: 'Where is the spare key for the shed?',
    style: 'keyword',
  },
  {
    type: 'note',
    title: 'Boat',
    body: 'The kayak is moored at pier nine in the harbour.',
    question: 'Where did I leave the canoe?',
    style: 'paraphrase',
  },
  {
    type: 'note',
    title: '{f} allergy',
    body: '{p} is severely allergic to peanuts and carries an epipen.',
    question: 'Which friend cannot eat nuts?',
    style: 'paraphrase',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'My flight to Reykjavik lands at 14:20 on gate B7.',
    question: 'When does the Reykjavik flight land?',
    style: 'keyword',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The wifi password at the cabin is moosehead42.',
    question: 'What is the internet password at the holiday cottage?',
    style: 'paraphrase',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: the plumber will fix the leaking boiler on Monday morning.',
    question: 'When is the boiler being repaired?',
    style: 'keyword',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} is moving to Melbourne in August for a research job.',
    question: 'Who is relocating to Australia?',
    style: 'paraphrase',
  },
  {
    type: 'calendar_event',
    title: 'Violin recital',
    body: "{f}'s daughter plays her first violin recital at the town hall.",
    question: 'When is the violin recital?',
    style: 'keyword',
  },
  {
    type: 'calendar_event',
    title: 'Tax appointment',
    body: 'Meet the accountant about the annual self-assessment return.',
    question: 'When do I see someone about my taxes?',
    style: 'paraphrase',
  },
  {
    type: 'note',
    title: 'Gift idea for {f}',
    body: '{f} collects vintage fountain pens, especially Pelikan ones.',
    question: 'What present could I buy for someone who likes old writing instruments?',
    style: 'paraphrase',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'I left your umbrella at the reception of the dental clinic.',
    question: 'Where is my umbrella?',
    style: 'keyword',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'Our landlord is raising the rent by eight percent from January.',
    question: 'How much is the rent going up?',
    style: 'keyword',
  },
  {
    type: 'note',
    title: 'Car',
    body: 'The car needs new winter tyres before November; the garage quoted 480 euros.',
    question: 'How much will the snow tires for the vehicle cost?',
    style: 'paraphrase',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: the vet says the cat needs dental surgery next month.',
    question: "What did the vet say about the cat's teeth?",
    style: 'keyword',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} got engaged during a hiking trip in Patagonia.',
    question: 'Who is getting married?',
    style: 'paraphrase',
  },
  {
    type: 'calendar_event',
    title: 'Marathon',
    body: 'Berlin marathon, start wave C at 9:15.',
    question: 'What time does my marathon wave start?',
    style: 'keyword',
  },
  {
    type: 'calendar_event',
    title: 'Parents evening',
    body: 'Parent-teacher conference at the primary school, room 12.',
    question: "When do I meet my child's teacher?",
    style: 'paraphrase',
  },
  {
    type: 'note',
    title: 'Recipe',
    body: "{f}'s lemon drizzle cake: 225 g butter, 4 eggs, zest of two lemons.",
    question: 'How much butter goes into the lemon drizzle cake?',
    style: 'keyword',
  },
  {
    type: 'note',
    title: 'Insurance',
    body: 'Home insurance policy number HX-4471-22 renews on the third of March.',
    question: 'When does my house cover need renewing?',
    style: 'paraphrase',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The concert tickets for Radiohead are in my inbox, row F seats 10 and 11.',
    question: 'Which seats do we have for Radiohead?',
    style: 'keyword',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'I can feed your goldfish while you are away in Spain.',
    question: 'Who offered to look after my pets during the holiday?',
    style: 'paraphrase',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: the bank flagged a suspicious card payment in Lisbon.',
    question: 'What did the bank say about a card payment?',
    style: 'keyword',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: "Transcript: {f}'s grandmother is in hospital after a fall.",
    question: 'Whose relative is unwell?',
    style: 'paraphrase',
  },
  {
    type: 'calendar_event',
    title: 'Book club',
    body: 'Book club discusses Middlemarch at the library.',
    question: 'Which novel is the book club reading?',
    style: 'keyword',
  },
  {
    type: 'calendar_event',
    title: 'Flu jab',
    body: 'Seasonal influenza vaccination at the pharmacy.',
    question: 'When is my flu shot?',
    style: 'paraphrase',
  },
  {
    type: 'note',
    title: 'Bike',
    body: 'Bicycle lock combination is 3-8-1-5.',
    question: 'What is the code for the bike lock?',
    style: 'keyword',
  },
  {
    type: 'note',
    title: 'Garden',
    body: 'Plant tulip bulbs along the south fence in October.',
    question: 'When should the spring flowers go in the ground?',
    style: 'paraphrase',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The wedding dress code is black tie, no white please.',
    question: 'What is the dress code for the wedding?',
    style: 'keyword',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'I finally passed my driving test on the third attempt!',
    question: 'Who got their licence to drive?',
    style: 'paraphrase',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: the roofer will replace the broken slates after the storm.',
    question: 'Who is repairing the roof slates?',
    style: 'keyword',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} lost their job when the factory closed.',
    question: 'Which friend was made redundant?',
    style: 'paraphrase',
  },
  {
    type: 'calendar_event',
    title: 'Passport',
    body: 'Passport renewal interview at the consulate, bring two photos.',
    question: 'When is the passport renewal?',
    style: 'keyword',
  },
  {
    type: 'calendar_event',
    title: 'Piano tuner',
    body: 'The piano tuner visits the flat.',
    question: 'When is someone coming to fix the sound of my instrument?',
    style: 'paraphrase',
  },
  {
    type: 'note',
    title: 'Neighbour',
    body: 'The neighbour at number 14 keeps bees and sells honey.',
    question: 'Who sells honey nearby?',
    style: 'keyword',
  },
  {
    type: 'note',
    title: 'Medicine',
    body: 'Take the antibiotics twice a day with food for ten days.',
    question: 'How often do I take my pills?',
    style: 'paraphrase',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The Airbnb in Porto has free parking in the garage underneath.',
    question: 'Is there parking at the Porto Airbnb?',
    style: 'keyword',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'My son broke his arm at football practice, we are at A&E.',
    question: 'Whose child was injured playing sport?',
    style: 'paraphrase',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: the electrician found faulty wiring in the kitchen sockets.',
    question: 'What did the electrician find in the kitchen?',
    style: 'keyword',
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} is running a charity swim across the lake for cancer research.',
    question: 'Who is raising money for a good cause?',
    style: 'paraphrase',
  },
  {
    type: 'calendar_event',
    title: 'Chess tournament',
    body: 'Regional chess tournament, round one at 10:00.',
    question: 'When does the chess tournament begin?',
    style: 'keyword',
  },
  {
    type: 'calendar_event',
    title: 'Eye test',
    body: 'Optician appointment for new glasses.',
    question: 'When is my vision check?',
    style: 'paraphrase',
  },
  {
    type: 'note',
    title: 'Wine',
    body: "{f} recommended a Rioja Gran Reserva 2015 from the shop on King's Road.",
    question: 'Which Rioja was recommended?',
    style: 'keyword',
  },
  {
    type: 'note',
    title: 'Loft',
    body: 'Christmas decorations are stored in the attic, behind the water tank.',
    question: 'Where are the festive ornaments kept?',
    style: 'paraphrase',
  },
  // Filtered: the question names a person, a type or a time.
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'Can we move our lunch to Thursday at one?',
    question: 'What did {f} text me about lunch?',
    style: 'filtered',
    daysAgo: 3,
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} wants to borrow the ladder this weekend.',
    question: 'What did {f} want in our last call?',
    style: 'filtered',
    daysAgo: 2,
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The invoice for the catering is attached, please pay by Friday.',
    question: 'messages from {f} about an invoice',
    style: 'filtered',
    daysAgo: 5,
  },
  {
    type: 'note',
    title: 'About {f}',
    body: '{f} is training for a triathlon and is vegetarian.',
    question: 'What do my notes say about {p}?',
    style: 'filtered',
  },
  {
    type: 'calendar_event',
    title: 'Lunch with {f}',
    body: 'Lunch at the noodle bar near the station.',
    question: 'Where is my lunch with {f}?',
    style: 'filtered',
    daysAgo: -2,
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The keys to the van are with the caretaker.',
    question: 'Where are the van keys, from {f}?',
    style: 'filtered',
    daysAgo: 10,
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: the quote for the kitchen extension came in at 32,000.',
    question: 'What did {f} say on the phone about the extension quote?',
    style: 'filtered',
    daysAgo: 20,
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'Reminder: the school trip money is due on Wednesday.',
    question: 'What did {f} remind me about the school trip?',
    style: 'filtered',
    daysAgo: 4,
  },
  {
    type: 'note',
    title: '{f} birthday',
    body: "{f}'s birthday is on 14 July; likes orchids.",
    question: "When is {p}'s birthday?",
    style: 'filtered',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The printer in the office is out of toner again.',
    question: 'the office printer message from {f}',
    style: 'filtered',
    daysAgo: 1,
  },
  {
    type: 'calendar_event',
    title: 'Walk with {f}',
    body: 'Hike up the ridge trail, meet at the car park.',
    question: 'Where do I meet {f} for the hike?',
    style: 'filtered',
    daysAgo: -5,
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} recommended a physiotherapist for my back pain.',
    question: 'Who did {f} recommend for my back?',
    style: 'filtered',
    daysAgo: 15,
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'Your parcel was delivered to my house by mistake.',
    question: 'What happened to my parcel, according to {f}?',
    style: 'filtered',
    daysAgo: 6,
  },
  {
    type: 'note',
    title: 'Loan',
    body: 'Lent {f} 200 pounds for the deposit; to be paid back in May.',
    question: 'How much money did I lend {f}?',
    style: 'filtered',
  },
  {
    type: 'message',
    title: 'Text from {f}',
    body: 'The band rehearsal moved to the basement studio on Elm Street.',
    question: 'Where is the rehearsal now, {f} said?',
    style: 'filtered',
    daysAgo: 8,
  },
  {
    type: 'call',
    title: 'Call with {f}',
    body: 'Transcript: {f} asked if we could host the reunion in June.',
    question: 'What did {f} ask about the reunion?',
    style: 'filtered',
    daysAgo: 30,
  },
];

export const PEOPLE = 200;
export const FILLER_PER_PERSON = { message: 2, call: 1, calendar_event: 1, note: 1 } as const;

export function generateDataset(now: Date, seed = 15): { entities: DatasetEntity[]; questions: LabelledQuestion[] } {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const entities: DatasetEntity[] = [];
  const names: { first: string; full: string }[] = [];
  const used = new Set<string>();
  for (let i = 0; names.length < PEOPLE; i++) {
    const first = firstNames[i % firstNames.length]!;
    const last = lastNames[Math.floor(i / firstNames.length) % lastNames.length]!;
    const full = `${first} ${last}`;
    if (used.has(full)) continue;
    used.add(full);
    names.push({ first, full });
  }
  names.forEach((n, i) => {
    const personKey = `person-${i}`;
    entities.push({ key: personKey, type: 'person', title: n.full, body: '', occurredAt: null });
    for (const [type, count] of Object.entries(FILLER_PER_PERSON) as [keyof typeof filler, number][]) {
      for (let j = 0; j < count; j++) {
        const title =
          type === 'message'
            ? `Text from ${n.first}`
            : type === 'call'
              ? `Call with ${n.first}`
              : type === 'note'
                ? `About ${n.first}`
                : `${pick(['Coffee', 'Meeting', 'Dinner'])} with ${n.first}`;
        entities.push({
          key: `filler-${i}-${type}-${j}`,
          type,
          title,
          body: pick(filler[type]),
          occurredAt: type === 'note' ? null : daysAgo(Math.floor(random() * 60) + 1),
          personKey,
        });
      }
    }
  });
  const questions: LabelledQuestion[] = [];
  facts.forEach((fact, i) => {
    // Fact i is about person 3i+1 (distinct people; first names repeat across the book, so
    // a filtered question's "{f}" is resolved through the person filter, not the name alone).
    const person = names[(i * 3 + 1) % PEOPLE]!;
    const fill = (s: string) => s.replaceAll('{p}', person.full).replaceAll('{f}', person.first);
    const key = `fact-${i}`;
    entities.push({
      key,
      type: fact.type,
      title: fill(fact.title),
      body: fill(fact.body),
      occurredAt: fact.type === 'note' ? null : daysAgo(fact.daysAgo ?? Math.floor(random() * 60) + 1),
      personKey: `person-${(i * 3 + 1) % PEOPLE}`,
    });
    // Filtered questions name the person in full, as "from Ada Lovelace" would.
    const question = fact.style === 'filtered' ? fill(fact.question.replaceAll('{f}', '{p}')) : fill(fact.question);
    questions.push({ question, style: fact.style, sourceKey: key });
  });
  return { entities, questions };
}
