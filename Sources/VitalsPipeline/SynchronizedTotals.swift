import Synchronization
import VitalsCore

final class SynchronizedTotals: Sendable {
    private let state = Mutex(PipelineTotals())

    func update(_ e: PipelineEvent) {
        state.withLock { t in
            switch e {
            case .stored:
                t.received += 1
                t.stored += 1
            case .duplicate:
                t.received += 1
                t.duplicates += 1
            case .rejected:
                t.received += 1
                t.rejected += 1
            case .alert: t.alerts += 1
            case .waveformStored(let block): t.waveformSamples += block.samples.count
            default: break
            }
        }
    }

    var value: PipelineTotals { state.withLock { $0 } }
}
