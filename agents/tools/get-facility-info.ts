import { defineTool } from '../../src/tools/define-tool.ts';

export interface GetFacilityInfoArgs {
  facility: string;
}

interface Facility {
  name: string;
  location: string;
  hours: string;
  note: string;
}

/** Demo facility table for the tour guide. */
const FACILITIES: Readonly<Record<string, Facility>> = {
  pool: { name: 'Pool', location: 'Ground floor, east wing', hours: '6:00 to 22:00', note: 'Towels at the entrance.' },
  gym: { name: 'Gym', location: 'Second floor', hours: 'Open around the clock', note: 'Bring your member card.' },
  spa: { name: 'Spa', location: 'Ground floor, west wing', hours: '9:00 to 20:00', note: 'Book a day ahead.' },
  restaurant: { name: 'Restaurant', location: 'Top floor', hours: '7:00 to 23:00', note: 'Breakfast until 10:30.' },
  library: { name: 'Library', location: 'First floor', hours: '8:00 to 18:00', note: 'Quiet, please.' },
};

export const getFacilityInfo = defineTool<GetFacilityInfoArgs>({
  name: 'getFacilityInfo',
  description: 'Look up where a facility is, when it is open and anything worth knowing about it.',
  parameters: {
    type: 'object',
    properties: {
      facility: { type: 'string', enum: Object.keys(FACILITIES), description: 'Which facility.' },
    },
    required: ['facility'],
    additionalProperties: false,
  },
  handler: async ({ facility }) => {
    const info = FACILITIES[facility];
    return info === undefined ? { found: false } : { found: true, ...info };
  },
});
