import type { RuleDefinitionInput } from './rules.ts';

/**
 * Rules a person would want on day one (issue 14), served by GET /api/v1/rules/templates
 * for the builder. `fill` names the values the person must supply before saving (a JSON
 * pointer into `definition` and what to ask); the rest is ready to save as it is.
 */
export interface RuleTemplate {
  id: string;
  title: string;
  description: string;
  definition: RuleDefinitionInput;
  fill: { pointer: string; label: string }[];
}

export const ruleTemplates: readonly RuleTemplate[] = [
  {
    id: 'missed-call-favourite-auto-reply',
    title: 'Text back a favourite when you miss their call',
    description: 'When you miss a call from someone tagged "favourite", texts them that you will call back soon.',
    definition: {
      name: 'Text back favourites I miss',
      mode: 'single',
      triggers: [{ id: 'missed', type: 'event', event: 'comms.CallMissed' }],
      conditions: {
        all: [
          { cmp: { left: 'trigger.data.direction', op: 'eq', right: 'inbound' } },
          { person: { tag: 'favourite' } },
          { atMost: { times: 1, perSeconds: 3600 } },
        ],
      },
      steps: [
        {
          id: 'reply',
          type: 'action',
          action: 'messages.send',
          with: { to: '{{ trigger.data.from }}', body: "Sorry I missed your call, I'll ring you back soon." },
        },
      ],
    },
    fill: [],
  },
  {
    id: 'vip-email-notify',
    title: 'Notify me of email from a VIP',
    description: 'When an email arrives from someone tagged "vip", raises a notification in the web app.',
    definition: {
      name: 'Email from a VIP',
      mode: 'parallel',
      triggers: [
        {
          id: 'email',
          type: 'event',
          event: 'data.EntityCreated',
          filter: {
            all: [
              { cmp: { left: 'trigger.data.entity.type', op: 'eq', right: 'message' } },
              { cmp: { left: 'trigger.data.entity.properties.channel', op: 'eq', right: 'email' } },
              { cmp: { left: 'trigger.data.entity.properties.direction', op: 'eq', right: 'inbound' } },
            ],
          },
        },
      ],
      conditions: { person: { by: 'trigger.data.entity.properties.from', tag: 'vip' } },
      steps: [
        {
          id: 'notify',
          type: 'action',
          action: 'notify',
          with: { title: 'Email from {{ person.title }}', body: '{{ trigger.data.entity.title }}' },
        },
      ],
    },
    fill: [],
  },
  {
    id: 'leave-work-text-partner',
    title: 'Text my partner when I leave work',
    description:
      'When your phone leaves the place named Work on a weekday, texts your partner that you are on your way.',
    definition: {
      name: 'On my way home',
      mode: 'single',
      triggers: [
        {
          id: 'left',
          type: 'event',
          event: 'location.PlaceLeft',
          filter: { cmp: { left: 'trigger.data.placeName', op: 'eq', right: 'Work' } },
        },
      ],
      conditions: {
        all: [
          { time: { after: '15:00', before: '21:00', weekdays: [1, 2, 3, 4, 5], tz: 'UTC' } },
          { atMost: { times: 1, perSeconds: 43_200 } },
        ],
      },
      steps: [
        {
          id: 'text',
          type: 'action',
          action: 'messages.send',
          with: { to: 'PARTNER', body: 'Leaving work now, see you soon.' },
        },
      ],
    },
    fill: [
      { pointer: '/steps/0/with/to', label: "Your partner's person id or phone number" },
      { pointer: '/conditions/all/0/time/tz', label: 'Your time zone' },
    ],
  },
  {
    id: 'meeting-link-text-before',
    title: 'Text me the meeting link 5 minutes before',
    description:
      'Five minutes before a calendar event with an online meeting link starts (unless you declined it), texts you its title and the link.',
    definition: {
      name: 'Meeting link by text',
      mode: 'parallel',
      triggers: [
        {
          id: 'soon',
          type: 'event',
          event: 'calendar.EventStarting',
          minutesBefore: 5,
          filter: {
            all: [
              { cmp: { left: 'trigger.data.onlineMeetingUrl', op: 'exists' } },
              { cmp: { left: 'trigger.data.myResponse', op: 'ne', right: 'declined' } },
            ],
          },
        },
      ],
      steps: [
        {
          id: 'text',
          type: 'action',
          action: 'messages.send',
          with: { to: 'ME', body: '{{ trigger.data.title }} starts in 5 minutes: {{ trigger.data.onlineMeetingUrl }}' },
        },
      ],
    },
    fill: [{ pointer: '/steps/0/with/to', label: 'Your mobile number' }],
  },
];
