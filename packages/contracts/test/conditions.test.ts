import {
  AssignReason,
  AssignedReason,
  ConditionType,
  PortfolioEventReason,
  assignReason,
  conditionType,
  deletionHandshake,
  nodeConditionTypes,
  operatorConditionTypes,
  orderIntervention,
} from '../src/index.js';

describe('condition types and reasons', () => {
  test('every constant is spelled as its key, and the zod enums accept exactly those values', () => {
    for (const obj of [conditionType, assignReason]) for (const [k, v] of Object.entries(obj)) expect(v).toBe(k);
    expect(ConditionType.options).toEqual(Object.values(conditionType));
    expect(ConditionType.safeParse('Ready').success).toBe(true);
    expect(ConditionType.safeParse('ready').success).toBe(false);
    expect(AssignReason.safeParse('HandingOver').success).toBe(false);
    expect(AssignedReason.safeParse('HandingOver').success).toBe(true);
  });

  test('the operator and the node own disjoint condition types, together all of them', () => {
    const owned: string[] = [...operatorConditionTypes, ...nodeConditionTypes];
    expect(new Set(owned).size).toBe(owned.length);
    expect(owned.sort()).toEqual(Object.values(conditionType).sort());
  });

  test('placement reasons are Event reasons too; the handshakes use the shared names', () => {
    for (const r of AssignReason.options) expect(PortfolioEventReason.safeParse(r).success).toBe(true);
    expect(deletionHandshake).toEqual({ conditionType: 'Stopped', status: 'True', reason: 'Deleted' });
    expect(orderIntervention.conditionType).toBe('OrderIntervention');
  });
});
