import { defineTool } from '../../src/tools/define-tool.ts';
import { VgError } from '../../src/errors.ts';

export interface AuthenticateUserArgs {
  first_name?: string;
  last_name?: string;
}

interface Member {
  memberId: string;
  firstName: string;
  lastName: string;
  tier: 'standard' | 'gold';
}

/** Demo member directory: the example flow verifies Jane Doe. */
const MEMBERS: readonly Member[] = [
  { memberId: 'M-1001', firstName: 'Jane', lastName: 'Doe', tier: 'gold' },
  { memberId: 'M-1002', firstName: 'John', lastName: 'Smith', tier: 'standard' },
  { memberId: 'M-1003', firstName: 'María', lastName: "O'Neill", tier: 'standard' },
];

// Callers spell names out ("J-A-N-E") and the model may pass them that way: compare letters only.
function key(name: string): string {
  return name.normalize('NFKC').toLocaleLowerCase('en').replace(/[^\p{L}]/gu, '');
}

export const authenticateUser = defineTool<AuthenticateUserArgs>({
  name: 'authenticateUser',
  description: "Verify the caller against the member directory, using the first and last name they confirmed (known to the conversation; pass them only if they are not).",
  parameters: {
    type: 'object',
    properties: {
      first_name: { type: 'string', minLength: 1, maxLength: 100, description: "The caller's confirmed first name." },
      last_name: { type: 'string', minLength: 1, maxLength: 100, description: "The caller's confirmed last name." },
    },
    additionalProperties: false,
  },
  timeoutMs: 2_000,
  handler: async (args, { slots }) => {
    // The names the conversation collected and confirmed win over what the model re-typed.
    const firstName = known(slots.get('first_name')) ?? args.first_name;
    const lastName = known(slots.get('last_name')) ?? args.last_name;
    if (firstName === undefined || lastName === undefined) {
      throw new VgError('VG_ERR_TOOL_FAILED', `the caller's ${firstName === undefined ? 'first' : 'last'} name is not known yet: collect and confirm it first`);
    }
    const member = MEMBERS.find((m) => key(m.firstName) === key(firstName) && key(m.lastName) === key(lastName));
    if (member === undefined) return { verified: false, reason: 'No member record matches that name.' };
    slots.set('member_id', member.memberId);
    return { verified: true, member_id: member.memberId, first_name: member.firstName, last_name: member.lastName, tier: member.tier };
  },
});

function known(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
