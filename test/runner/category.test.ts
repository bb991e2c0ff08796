import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  type Category,
  categorySchema,
  type Scenario,
  userCategorySchema,
} from '../../src/runner/scenario.js';

describe('categories: the ten built-in ones and the user’s own', () => {
  it('a built-in scenario with a misspelt category does not compile', () => {
    const builtin: Pick<Scenario, 'category'> = { category: 'latency' };
    // @ts-expect-error a typo is neither a built-in category nor a (parsed) user category
    const typo: Pick<Scenario, 'category'> = { category: 'latnecy' };
    expect([builtin.category, typo.category]).toEqual(['latency', 'latnecy']);
  });

  it('a user category comes only out of the schema: snake_case, 2 to 32 characters', () => {
    const mine: Category = userCategorySchema.parse('payments');
    expect(mine).toBe('payments');
    for (const bad of ['', 'p', 'Payments', 'pay ments', 'pay-ments', '9lives', 'x'.repeat(33)]) {
      expect(categorySchema.safeParse(bad).success, bad).toBe(false);
    }
    for (const builtin of CATEGORIES) expect(categorySchema.parse(builtin)).toBe(builtin);
  });
});
