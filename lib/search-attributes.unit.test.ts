import { describe, expect, it } from 'vitest';
import { devServerSearchAttributeFlags, operatorCommand } from './search-attributes.js';

describe('the search attributes to register', () => {
  it('are flags of the dev server and one operator command, with the CLI type names', () => {
    expect(devServerSearchAttributeFlags()).toEqual([
      '--search-attribute',
      'GuestStage=Keyword',
      '--search-attribute',
      'GuestTier=Keyword',
      '--search-attribute',
      'LastProperty=Keyword',
      '--search-attribute',
      'OpenCases=Int',
    ]);
    expect(operatorCommand('hotels')).toBe(
      'temporal operator search-attribute create --namespace hotels --name GuestStage --type Keyword --name GuestTier --type Keyword --name LastProperty --type Keyword --name OpenCases --type Int',
    );
  });
});
