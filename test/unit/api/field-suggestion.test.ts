/** "Did you mean …?" for a misspelt request field: a likely typo gets its field, a letter or two gets nothing. */
import { describe, expect, it } from 'vitest';
import { closestField, requestFieldNames } from '../../../service/src/api/field-suggestion.ts';

describe('the field a misspelt one probably meant', () => {
  it.each([
    ['budget', 'budgetUsd'],
    ['modle', 'model'],
    ['callback', 'callbacks'],
  ])('%s → %s', (unknown, meant) => {
    expect(closestField(unknown, requestFieldNames())).toBe(meant);
  });

  it.each(['a', 'ab', 'wholly_unrelated_thing'])('%s → nothing (a probe was told "did you mean agents?" for filter.a)', (unknown) => {
    expect(closestField(unknown, requestFieldNames())).toBeUndefined();
  });
});
