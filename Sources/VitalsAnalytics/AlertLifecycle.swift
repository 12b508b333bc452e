import Foundation
import VitalsCore

/// What can happen to an open alert.
public enum LifecycleEvent: Hashable, Sendable {
    /// New evidence that makes it worse: a higher severity (e.g. level-1 → level-2 hypoglycaemia).
    case deepen(severity: AlertSeverity, ruleID: String, message: String, citation: String, evidenceTo: Date)
    /// New evidence of the same severity: only the evidence span grows (no notification).
    case extend(evidenceTo: Date)
    /// New evidence of the same severity worth a step of its own (an episode that goes on): the span grows and
    /// an `updated` step says so; the state is kept (an acknowledged alert stays acknowledged).
    case report(evidenceTo: Date, detail: String)
    case acknowledge
    /// Not acknowledged in time: one severity step up (capped), and notified again.
    case escalate(cap: AlertSeverity)
    case resolve(eventTime: Date, reason: String)
}

/// The alert state machine (pure):
///
/// | from \ event | deepen | extend | report | acknowledge | escalate | resolve |
/// |---|---|---|---|---|---|---|
/// | raised | updated | raised | updated | acknowledged | updated | resolved |
/// | updated | updated | updated | updated | acknowledged | updated | resolved |
/// | acknowledged | updated (severity up re-opens it) | acknowledged | acknowledged | — | — | resolved |
/// | resolved | — | — | — | — | — | — |
///
/// `extend` changes the alert without a transition; `—` is refused (returns nil, the alert is unchanged).
public enum AlertLifecycle {
    public static func apply(_ event: LifecycleEvent, to a: inout Alert, at now: Date) -> AlertTransition? {
        // A backfill event is stored resolved but its episode can still grow and deepen while its lane replays.
        guard a.state != .resolved || a.historical else { return nil }
        switch event {
        case .deepen(let severity, let ruleID, let message, let citation, let to):
            a.evidenceTo = max(a.evidenceTo ?? to, to)
            guard severity > a.severity else { return nil }
            a.severity = severity
            a.ruleID = ruleID
            a.message = message
            a.citation = citation
            a.state = a.historical ? .resolved : .updated
            a.updatedAt = now
            return AlertTransition(kind: a.historical ? .recorded : .updated, alert: a, at: now, eventTime: to, detail: "severity raised to \(severity.rawValue)")
        case .extend(let to):
            a.evidenceTo = max(a.evidenceTo ?? to, to)
            return nil
        case .report(let to, let detail):
            guard !a.historical else { return nil }
            a.evidenceTo = max(a.evidenceTo ?? to, to)
            if a.state != .acknowledged { a.state = .updated }
            a.updatedAt = now
            return AlertTransition(kind: .updated, alert: a, at: now, eventTime: to, detail: detail)
        case .acknowledge:
            guard a.state == .raised || a.state == .updated, !a.historical else { return nil }
            a.state = .acknowledged
            a.updatedAt = now
            return AlertTransition(kind: .acknowledged, alert: a, at: now, eventTime: now)
        case .escalate(let cap):
            guard a.state == .raised || a.state == .updated, !a.historical else { return nil }
            let next: AlertSeverity = a.severity == .advisory ? .urgent : .critical
            a.severity = min(max(a.severity, next), max(cap, a.severity))
            a.escalations += 1
            a.state = .updated
            a.updatedAt = now
            return AlertTransition(kind: .escalated, alert: a, at: now, eventTime: now, detail: "not acknowledged; escalation \(a.escalations)")
        case .resolve(let t, let reason):
            if a.historical {
                a.evidenceTo = max(a.evidenceTo ?? t, t)
                return nil
            }
            a.state = .resolved
            a.updatedAt = now
            return AlertTransition(kind: .resolved, alert: a, at: now, eventTime: t, detail: reason)
        }
    }
}
