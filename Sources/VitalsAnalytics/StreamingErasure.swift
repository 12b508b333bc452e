import Foundation
import VitalsCore

extension StreamingAnalytics {
    /// Forgets everything the core holds about `subject`: its live and backfill lanes (buffered readings and
    /// detector state) and its open alerts. For erasing a subject's data (`VitalsStore.deleteSubject`); other
    /// subjects' state is left as it was.
    public mutating func forget(subject: String) {
        live = live.filter { $0.key.subject != subject }
        backfill = backfill.filter { $0.key.subject != subject }
        for (id, alert) in open where alert.subject.rawValue == subject {
            open[id] = nil
            medical[id] = nil
        }
    }

    /// A saved state (`serialized()`) without `subject`.
    public static func forgetting(subject: String, in state: Data) throws -> Data {
        var core = try StreamingAnalytics(serialized: state)
        core.forget(subject: subject)
        return try core.serialized()
    }
}
