import Foundation

/// What happened to an alert. `recorded` is a backfill event: stored resolved and historical, never live.
public enum AlertTransitionKind: String, Hashable, Sendable, Codable, CaseIterable {
    case raised
    case updated
    case escalated
    case acknowledged
    case resolved
    case recorded
}

/// One step in an alert's life, with the alert as it is after the step.
public struct AlertTransition: Hashable, Sendable, Codable {
    public var kind: AlertTransitionKind
    public var alert: Alert
    /// Processing time of the step.
    public var at: Date
    /// Event time of the evidence that caused it (for escalation and acknowledgement: `at`).
    public var eventTime: Date
    public var detail: String

    public init(kind: AlertTransitionKind, alert: Alert, at: Date, eventTime: Date, detail: String = "") {
        self.kind = kind
        self.alert = alert
        self.at = at
        self.eventTime = eventTime
        self.detail = detail
    }

    /// Idempotent id of this step: the same step on the same evidence always has the same id, so a replay
    /// after a restart, or a redelivery, can be recognised by the receiver.
    public var eventID: String {
        "\(alert.id)#\(kind.rawValue)@\(Int64((eventTime.timeIntervalSince1970 * 1000).rounded()))/\(alert.severity.rawValue)/\(alert.escalations)"
    }
}
