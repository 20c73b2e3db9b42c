import type { MatchReasonDto } from '@made-open/shared/identity-api';

/** A matcher's reason in words a person reads ("Same email ann@example.org"). */
export function reasonText(reason: MatchReasonDto): string {
  switch (reason.code) {
    case 'same_email':
      return `Same email ${reason.value}`;
    case 'same_phone':
      return `Same phone ${reason.value}`;
    case 'same_name':
      return 'Same name';
    case 'similar_name':
      return 'Similar name';
    case 'nickname':
      return `Nickname (${reason.names[0]} / ${reason.names[1]})`;
    case 'swapped_names':
      return 'First and last name swapped';
    case 'same_organization':
      return `Same organization ${reason.value}`;
    case 'different_organization':
      return 'Different organizations';
    case 'different_phones':
      return 'Different phone numbers';
    case 'different_emails':
      return 'Different emails';
  }
}

/** Reasons that speak against the match: shown apart, so they are not read as support. */
export const isCaution = (reason: MatchReasonDto) => reason.code.startsWith('different_');
