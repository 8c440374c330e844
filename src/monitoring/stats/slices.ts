/**
 * Compute a metric per slice: group `records` by `sliceOf(record)` and apply `compute` to each
 * group, e.g. `bySlice(records, (r) => r.country, classificationMetrics)`. Slices come out in
 * order of first appearance; records whose slice is null or undefined are left out.
 */
export function bySlice<T, R>(
  records: readonly T[],
  sliceOf: (record: T) => string | null | undefined,
  compute: (slice: readonly T[]) => R,
): Map<string, R> {
  const groups = new Map<string, T[]>();
  for (const record of records) {
    const slice = sliceOf(record);
    if (slice === null || slice === undefined) continue;
    const group = groups.get(slice);
    if (group === undefined) groups.set(slice, [record]);
    else group.push(record);
  }
  const results = new Map<string, R>();
  for (const [slice, group] of groups) results.set(slice, compute(group));
  return results;
}
