import { z } from 'zod';

/**
 * Condition types and reasons on a Portfolio's status, and the reasons of the Events the operator records on it.
 * Kept beside the API types so the operator, the nodes and the tests spell them alike. The status schema keeps
 * `type` and `reason` open strings (a newer writer may add one); these are the values this version writes.
 * Who owns which condition: see portfolio-resource.ts.
 */
export const conditionType = {
  /** Operator: the spec is valid. */
  Accepted: 'Accepted',
  /** Operator: a node is assigned (or why none is). */
  Assigned: 'Assigned',
  /** Operator: some node has every component the spec needs (written False first, True only to clear it). */
  ComponentsAvailable: 'ComponentsAvailable',
  /** Operator: the emergency stop is on. */
  Halted: 'Halted',
  /** Operator: manual cancel requests recorded, refused or handled. */
  OrderIntervention: 'OrderIntervention',
  /** Node: the portfolio runs and trades. */
  Ready: 'Ready',
  Running: 'Running',
  Degraded: 'Degraded',
  Stopped: 'Stopped',
} as const;
export const ConditionType = z.enum(conditionType);
export type ConditionType = z.infer<typeof ConditionType>;

/** The conditions the operator writes; it keeps every other entry of the list as it finds it. */
export const operatorConditionTypes = [
  conditionType.Accepted,
  conditionType.Assigned,
  conditionType.ComponentsAvailable,
  conditionType.Halted,
  conditionType.OrderIntervention,
] as const;
/** The conditions the assigned node writes. */
export const nodeConditionTypes = [
  conditionType.Ready,
  conditionType.Running,
  conditionType.Degraded,
  conditionType.Stopped,
] as const;

/** Reasons of condition Accepted. */
export const acceptedReason = {
  Valid: 'Valid',
  InvalidSpec: 'InvalidSpec',
  /** The params of a strategy, risk manager or sizer fail the schema the nodes advertise for it. */
  InvalidParams: 'InvalidParams',
} as const;
export const AcceptedReason = z.enum(acceptedReason);
export type AcceptedReason = z.infer<typeof AcceptedReason>;

/** Why a portfolio was placed on its node: the reason of Assigned=True, of the move's Event and its metric. */
export const assignReason = {
  Assigned: 'Assigned',
  Moved: 'Moved',
  FailedOver: 'FailedOver',
  Drained: 'Drained',
  Rebalanced: 'Rebalanced',
} as const;
export const AssignReason = z.enum(assignReason);
export type AssignReason = z.infer<typeof AssignReason>;

/** Reasons of condition Assigned: a placement reason, a move under way, or why no node runs it. */
export const assignedReason = {
  ...assignReason,
  /** The current node stops and persists before the target takes over. */
  HandingOver: 'HandingOver',
  /** Stopped by spec; the node stops it and the assignment stays. */
  Stopping: 'Stopping',
  Stopped: 'Stopped',
  /** The node drains but no other node accepts the portfolio: it stays. */
  DrainBlocked: 'DrainBlocked',
  MissingComponents: 'MissingComponents',
  NoNodeAvailable: 'NoNodeAvailable',
} as const;
export const AssignedReason = z.enum(assignedReason);
export type AssignedReason = z.infer<typeof AssignedReason>;

/** Reasons of condition ComponentsAvailable. */
export const componentsAvailableReason = { Available: 'Available', MissingComponents: 'MissingComponents' } as const;
export const ComponentsAvailableReason = z.enum(componentsAvailableReason);
export type ComponentsAvailableReason = z.infer<typeof ComponentsAvailableReason>;

/** Reasons of condition Halted. */
export const haltedReason = { EmergencyStop: 'EmergencyStop', TradingAllowed: 'TradingAllowed' } as const;
export const HaltedReason = z.enum(haltedReason);
export type HaltedReason = z.infer<typeof HaltedReason>;

/** Reasons of condition OrderIntervention. */
export const orderInterventionReason = {
  Requested: 'Requested',
  InvalidRequest: 'InvalidRequest',
  Handled: 'Handled',
} as const;
export const OrderInterventionReason = z.enum(orderInterventionReason);
export type OrderInterventionReason = z.infer<typeof OrderInterventionReason>;

/** Reasons of the node's conditions (Ready, Running, Degraded, Stopped). */
export const nodeConditionReason = {
  Running: 'Running',
  /** Stopped by spec (desiredState Stopped or suspend). */
  DesiredStateStopped: 'DesiredStateStopped',
  /** Stopped and archived for a deletion: the handshake that lets the finalizer go. */
  Deleted: 'Deleted',
  InvalidSpec: 'InvalidSpec',
  WorkerFailed: 'WorkerFailed',
  WorkerRestarted: 'WorkerRestarted',
  WorkerStalled: 'WorkerStalled',
} as const;
export const NodeConditionReason = z.enum(nodeConditionReason);
export type NodeConditionReason = z.infer<typeof NodeConditionReason>;

/** Reasons of the Kubernetes Events the operator records on a Portfolio (`kubectl describe pf`). */
export const portfolioEventReason = {
  ...assignReason,
  /** Unassigned: stopped by spec, or no node can take it. */
  Stopped: 'Stopped',
  MissingComponents: 'MissingComponents',
  NoNodeAvailable: 'NoNodeAvailable',
  HandingOver: 'HandingOver',
  HandoverTimedOut: 'HandoverTimedOut',
  CancelRequested: 'CancelRequested',
  InvalidCancelRequest: 'InvalidCancelRequest',
  CancelRequestsDropped: 'CancelRequestsDropped',
  InvalidSpec: 'InvalidSpec',
  Halted: 'Halted',
  /** The finalizer was removed. */
  Deleted: 'Deleted',
} as const;
export const PortfolioEventReason = z.enum(portfolioEventReason);
export type PortfolioEventReason = z.infer<typeof PortfolioEventReason>;
