import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../core/index.js';
import { isMetricName, METRIC_NAMES } from './metric-source.js';

describe('metric names', () => {
  it('are the metrics alerts.rules[].metric accepts, in the same order', () => {
    const rules = ConfigSchema.properties.alerts.properties.rules;
    const accepted = rules.items.properties.metric.anyOf.map((literal) => literal.const);
    expect(accepted).toEqual([...METRIC_NAMES]);
    expect(isMetricName('errors.rate')).toBe(true);
    expect(isMetricName('errors.total')).toBe(false);
  });
});
