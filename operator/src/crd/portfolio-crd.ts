import { z } from 'zod';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { PortfolioSpec, PortfolioStatus, portfolioResource } from '@ginkgo/contracts';
import { describeFields, toStructural, type JsonSchema } from './structural.js';

/** `kubectl explain pf.spec` text for the fields the zod schemas do not describe themselves. */
export const fieldDescriptions: Record<string, string> = {
  market: 'Market the portfolio trades in, e.g. "cn" (A-shares). Only nodes serving this market run it. Immutable.',
  initialCash: 'Starting cash in the market currency, a decimal with at most 2 decimals, e.g. "1000000.00".',
  strategy: 'The strategy component that turns market data into signals.',
  'strategy.name': 'Registered strategy name, e.g. "ma-cross".',
  'strategy.params': 'Strategy parameters: a map of numbers, strings or booleans, validated by the strategy.',
  riskManagers: 'Risk managers applied in order to every signal (at most 16).',
  'riskManagers[]': 'One risk manager: name and params.',
  'riskManagers[].name': 'Registered risk manager name, e.g. "position-ratio" or "stop-loss".',
  'riskManagers[].params':
    'Risk manager parameters: numbers, strings or booleans. Keys named "ratio" or ending in "Ratio" must be in (0,1].',
  sizer: 'The sizer that turns a signal into an order volume.',
  'sizer.name': 'Registered sizer name, e.g. "fixed-volume".',
  'sizer.params':
    'Sizer parameters: numbers, strings or booleans. On market "cn", "volume" must be a positive multiple of 100 (one lot).',
  interestedCodes: 'Instrument codes the portfolio subscribes to, e.g. ["600000.SH"]; 1 to 2000, no duplicates.',
  'interestedCodes[]': 'Instrument code like 600000.SH.',
  commission:
    "The broker's commission (rate of the order's cumulative amount, minimum per order, rounded half-up to the minor unit); the market's typical rate when absent. Stamp duty and exchange fees come, dated, from the market data.",
  desiredState: 'Running trades; Stopped makes the node stop the portfolio gracefully and keep its state.',
  suspend: 'true has the same effect as desiredState Stopped.',
  phase:
    'Pending (no node), Assigned (operator chose a node), Running/Degraded (reported by the node), Stopped, Failed (invalid spec), Halted (emergency stop).',
  observedGeneration: 'The metadata.generation the operator has processed.',
  assignedNode: 'The execution node (node Lease holder) that must run this portfolio.',
  epoch: 'Assignment epoch: grows on every (re)assignment; nodes attach it to orders as a fencing token.',
  conditions: 'Accepted, Assigned, Halted (operator); Running, Degraded, Stopped (node).',
  'conditions[]': 'A metav1.Condition.',
  'conditions[].type': 'Condition type, e.g. Accepted.',
  'conditions[].status': 'True, False or Unknown.',
  'conditions[].reason': 'Machine-readable reason in CamelCase.',
  'conditions[].message': 'Human-readable detail.',
  'conditions[].lastTransitionTime': 'When the status last changed (RFC 3339).',
  'conditions[].observedGeneration': 'The metadata.generation the condition was computed for.',
  cash: 'Available cash (decimal), reported by the node.',
  equity: 'Cash plus market value of positions (decimal), reported by the node.',
  realizedPnl: 'Realized profit and loss (decimal), reported by the node.',
  unrealizedPnl: 'Unrealized profit and loss (decimal), reported by the node.',
  positions: 'Open positions, reported by the node.',
  'positions[]': 'One open position.',
  'positions[].code': 'Instrument code.',
  'positions[].volume': 'Held volume (shares).',
  'positions[].sellable': 'Volume sellable today (T+1 on A-shares).',
  'positions[].avgCost': 'Average cost per share (decimal).',
  'positions[].marketValue': 'Market value at the last price (decimal).',
  lastEventTime: 'Time of the last market event the portfolio processed (RFC 3339).',
  message: 'Human-readable summary of the current state.',
  dayPnl: 'Profit and loss of the current trading day (decimal), reported by the node.',
  openOrders: 'Number of open orders, reported by the node.',
  positionsCount: 'Number of open positions, reported by the node.',
  runningGeneration: 'The metadata.generation of the spec the node runs now.',
  runningNode: 'The node that runs the portfolio now (written by that node).',
  runningEpoch: 'The epoch the running node runs with.',
  handoverTo: 'Planned move in progress: the node that gets the portfolio once the assigned node released it.',
  handoverSince:
    'When the planned move started (RFC 3339); after the hand-over timeout it moves anyway (epoch fencing).',
  handoverReason: 'Why the planned move happens: Drained, Rebalanced or Moved.',
  releasedEpoch: 'The epoch the assigned node stopped and persisted for a planned move (node-owned).',
  cancelRequests:
    'Manual cancel requests (annotation ginkgo.live/cancel-order) accepted by the operator and not yet handled by the node.',
  'cancelRequests[]': 'One cancel request.',
  'cancelRequests[].id': 'Request number, growing by one per request on this portfolio.',
  'cancelRequests[].clientOrderId': 'The order to cancel (absent when all open orders are cancelled).',
  'cancelRequests[].all': 'true: cancel every open order of the portfolio.',
  'cancelRequests[].force': 'true: the gateway cancels without waiting for the broker.',
  'cancelRequests[].reason': 'Why, as given in the annotation.',
  'cancelRequests[].requestedAt': 'When the operator accepted the request (RFC 3339).',
  cancelAck: 'The last manual cancel request the node handled (node-owned).',
  'cancelAck.id': 'Every request with an id up to this one has been handled.',
  'cancelAck.at': 'When (RFC 3339).',
  'cancelAck.message': 'What the node did.',
};

type Mutable = JsonSchema & { properties: Record<string, JsonSchema> };

const ratio = (max: number, what: string): JsonSchema => ({
  type: 'number',
  minimum: 0,
  exclusiveMinimum: true,
  maximum: max,
  description: `${what}: a number in (0,${max}].`,
});

/**
 * Bounds of the built-in components' well-known parameters (packages/core params.ts), so the API server
 * refuses them up front; other keys pass through and the component validates them (operator: Accepted=False).
 */
export const knownParams: Record<string, JsonSchema> = {
  volume: { type: 'integer', minimum: 1, description: 'fixed-volume sizer: shares per order, a whole number of lots.' },
  percent: ratio(100, 'percent-equity sizer: percent of equity per order'),
  maxRatio: ratio(1, 'position-ratio: largest position value over equity'),
  lossRatio: ratio(1, 'stop-loss: loss over cost that closes the position'),
  profitRatio: ratio(100, 'take-profit: profit over cost that closes the position'),
  jumpRatio: ratio(1, 'limit-move-guard: price jump that blocks new orders'),
};

function withParamsRules(ref: JsonSchema): JsonSchema {
  const r = ref as Mutable;
  const params = r.properties.params;
  if (!params) return ref;
  return {
    ...r,
    properties: {
      ...r.properties,
      params: { ...params, maxProperties: 64, properties: knownParams },
    },
  };
}

/** The spec schema: generated from zod, plus CEL rules for what JSON Schema cannot say. */
export function portfolioSpecSchema(): JsonSchema {
  const s = toStructural(z.toJSONSchema(PortfolioSpec, { io: 'input' }) as JsonSchema) as Mutable;
  const p = s.properties;
  const props: Record<string, JsonSchema> = {
    ...p,
    strategy: withParamsRules(p.strategy!),
    sizer: withParamsRules(p.sizer!),
    riskManagers: { ...p.riskManagers!, items: withParamsRules(p.riskManagers!.items as JsonSchema) },
    interestedCodes: { ...p.interestedCodes!, 'x-kubernetes-list-type': 'set' },
  };
  return describeFields(
    {
      ...s,
      description: 'What the trader declares: market, strategy, risk managers, sizer, instruments, cash.',
      properties: props,
      'x-kubernetes-validations': [
        {
          rule: "!self.initialCash.matches('^0(\\\\.0{1,2})?$')",
          message: 'initialCash must be greater than 0',
          fieldPath: '.initialCash',
        },
        {
          rule: "!has(self.market) || self.market != 'cn' || !has(self.sizer) || !has(self.sizer.params) || !has(self.sizer.params.volume) || self.sizer.params.volume % 100 == 0",
          message: 'sizer.params.volume must be a multiple of 100 (one lot) on market cn',
          fieldPath: '.sizer.params.volume',
        },
        {
          rule: '!has(oldSelf.market) || (has(self.market) && self.market == oldSelf.market)',
          message: 'market is immutable',
          fieldPath: '.market',
        },
      ],
    },
    fieldDescriptions,
  );
}

export function portfolioStatusSchema(): JsonSchema {
  const s = toStructural(z.toJSONSchema(PortfolioStatus, { io: 'input' }) as JsonSchema) as Mutable;
  const conditions = s.properties.conditions!;
  return describeFields(
    {
      ...s,
      description: 'What the operator (assignment) and the assigned node (trading summary) report.',
      properties: {
        ...s.properties,
        conditions: { ...conditions, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
      },
    },
    fieldDescriptions,
  );
}

export const portfolioCrdName = `${portfolioResource.plural}.${portfolioResource.group}`;

/** The Portfolio CustomResourceDefinition (apiextensions.k8s.io/v1). */
export function buildPortfolioCrd(): V1CustomResourceDefinition {
  const r = portfolioResource;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: portfolioCrdName, labels: { 'app.kubernetes.io/part-of': 'ginkgo-live' } },
    spec: {
      group: r.group,
      scope: 'Namespaced',
      names: {
        kind: r.kind,
        listKind: r.listKind,
        plural: r.plural,
        singular: r.singular,
        shortNames: [...r.shortNames],
        categories: ['ginkgo'],
      },
      versions: [
        {
          name: r.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Node', type: 'string', jsonPath: '.status.assignedNode' },
            { name: 'Epoch', type: 'integer', jsonPath: '.status.epoch', priority: 1 },
            { name: 'Equity', type: 'string', jsonPath: '.status.equity' },
            { name: 'Day PnL', type: 'string', jsonPath: '.status.dayPnl' },
            { name: 'Open Orders', type: 'integer', jsonPath: '.status.openOrders', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A live-trading portfolio. The operator assigns it to an execution node (status.assignedNode, status.epoch); the node runs it and reports its state.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of this object: ginkgo.live/v1alpha1.' },
                kind: { type: 'string', description: 'Kind of this object: Portfolio.' },
                metadata: { type: 'object' },
                spec: portfolioSpecSchema(),
                status: portfolioStatusSchema(),
              },
            } as never,
          },
        },
      ],
    },
  };
}
