import Foundation

// The streaming core: per subject × metric streams in event time, windows, watermarks and late data.
// Pure value types, no I/O; every operator's state is Codable so a restarted hub continues where it was.
// See docs/analytics-streaming.md.

/// One stream: a subject and a metric family (`glucose.cgm`, `glucose.spot`, `bp`).
public struct StreamKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var subject: String
    public var metric: String
    public init(subject: String, metric: String) {
        self.subject = subject
        self.metric = metric
    }
    public var description: String { "\(subject)/\(metric)" }
    public static func < (a: StreamKey, b: StreamKey) -> Bool { (a.subject, a.metric) < (b.subject, b.metric) }
}

/// One timestamped value in a stream. `time` is event time (when it was measured), seconds since 1970.
public struct StreamSample: Hashable, Sendable, Codable {
    public var time: Double
    public var value: Double
    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }
}

/// Event-time progress of one stream: the watermark is the largest event time seen minus the allowed
/// lateness. A sample older than the watermark when it arrives is late.
public struct Watermark: Hashable, Sendable, Codable {
    public var allowedLateness: Double
    public private(set) var maxEventTime: Double = -.infinity
    public init(allowedLateness: Double) { self.allowedLateness = allowedLateness }
    public var value: Double { maxEventTime - allowedLateness }
    /// Notes an event time; returns whether it was late (older than the watermark before it was seen).
    @discardableResult
    public mutating func observe(_ t: Double) -> Bool {
        let late = t < value
        maxEventTime = max(maxEventTime, t)
        return late
    }
    /// Moves the watermark on without data (processing-time idleness): never backwards.
    public mutating func advance(to t: Double) { maxEventTime = max(maxEventTime, t + allowedLateness) }
}

/// Holds samples that arrive out of order until the watermark passes them, then releases them in event
/// time order (ties in arrival order). Samples older than the watermark on arrival are returned as late.
public struct ReorderBuffer<Element: Codable & Sendable>: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var time: Double
        var arrival: UInt64
        var element: Element
    }
    public var watermark: Watermark
    var pending: [Entry] = []
    var arrivals: UInt64 = 0
    /// The event time of the last sample released: nothing at or before it is released again.
    public private(set) var releasedThrough: Double = -.infinity

    public init(allowedLateness: Double) { watermark = Watermark(allowedLateness: allowedLateness) }

    public var pendingCount: Int { pending.count }

    /// Adds a sample; returns the samples now released in order, and whether this one was late.
    public mutating func insert(_ element: Element, at time: Double) -> (released: [Element], late: Bool) {
        if time < releasedThrough || time < watermark.value { return ([], true) }
        watermark.observe(time)
        arrivals += 1
        pending.append(Entry(time: time, arrival: arrivals, element: element))
        return (release(), false)
    }

    /// Advances the watermark by processing time (an idle stream still closes its windows).
    public mutating func advance(to time: Double) -> [Element] {
        watermark.advance(to: time)
        return release()
    }

    mutating func release() -> [Element] {
        let w = watermark.value
        guard pending.contains(where: { $0.time <= w }) else { return [] }
        let ready = pending.filter { $0.time <= w }.sorted { ($0.time, $0.arrival) < ($1.time, $1.arrival) }
        pending.removeAll { $0.time <= w }
        if let last = ready.last { releasedThrough = max(releasedThrough, last.time) }
        return ready.map(\.element)
    }
}

/// The three window shapes.
public enum WindowSpec: Hashable, Sendable, Codable {
    /// Fixed, non-overlapping windows of `size` seconds aligned to `origin` (e.g. calendar days).
    case tumbling(size: Double, origin: Double = 0)
    /// Windows of `size` seconds starting every `slide` seconds (overlapping when slide < size).
    case sliding(size: Double, slide: Double, origin: Double = 0)
    /// Activity sessions: samples closer than `gap` seconds belong to one window.
    case session(gap: Double)
}

/// Count, sum, min, max and the samples' time span: enough for means and extremes, mergeable for sessions.
public struct WindowAggregate: Hashable, Sendable, Codable {
    public var count = 0
    public var sum = 0.0
    public var min = Double.infinity
    public var max = -Double.infinity
    public var first = Double.infinity
    public var last = -Double.infinity
    /// The values in event-time order (kept for protocols that need "the last two", e.g. the BP kiosk mean).
    public var values: [StreamSample] = []
    public init() {}
    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
    public mutating func add(_ s: StreamSample) {
        count += 1
        sum += s.value
        min = Swift.min(min, s.value)
        max = Swift.max(max, s.value)
        first = Swift.min(first, s.time)
        last = Swift.max(last, s.time)
        let i = values.firstIndex { $0.time > s.time } ?? values.endIndex
        values.insert(s, at: i)
    }
    public mutating func merge(_ o: WindowAggregate) { for v in o.values { add(v) } }
}

/// A window that closed: its bounds (session windows end at the last sample plus the gap) and aggregate.
public struct WindowResult: Hashable, Sendable, Codable {
    public var key: StreamKey
    public var start: Double
    public var end: Double
    public var aggregate: WindowAggregate
}

/// One windowed aggregation over one stream. A window fires once, when the watermark passes its end;
/// a sample for a window that already fired is late and counted, never silently merged.
public struct WindowOperator: Sendable, Codable {
    public var key: StreamKey
    public var spec: WindowSpec
    public var watermark: Watermark
    /// Open windows by start (tumbling and sliding) — for sessions, in start order.
    var open: [Double: WindowAggregate] = [:]
    var sessions: [WindowResult] = []
    public private(set) var lateCount = 0

    public init(key: StreamKey, spec: WindowSpec, allowedLateness: Double = 0) {
        self.key = key
        self.spec = spec
        watermark = Watermark(allowedLateness: allowedLateness)
    }

    func starts(for t: Double) -> [Double] {
        switch spec {
        case .tumbling(let size, let origin):
            return [origin + ((t - origin) / size).rounded(.down) * size]
        case .sliding(let size, let slide, let origin):
            var out: [Double] = []
            var s = origin + ((t - origin) / slide).rounded(.down) * slide
            while s > t - size {
                out.append(s)
                s -= slide
            }
            return out.reversed()
        case .session: return []
        }
    }

    func size() -> Double {
        switch spec {
        case .tumbling(let size, _), .sliding(let size, _, _): size
        case .session(let gap): gap
        }
    }

    /// Adds a sample and returns the windows that the new watermark closes.
    public mutating func insert(_ s: StreamSample) -> [WindowResult] {
        if s.time < watermark.value {
            lateCount += 1
            return []
        }
        watermark.observe(s.time)
        switch spec {
        case .tumbling, .sliding:
            for start in starts(for: s.time) { open[start, default: WindowAggregate()].add(s) }
        case .session(let gap):
            var agg = WindowAggregate()
            agg.add(s)
            var merged = WindowResult(key: key, start: s.time, end: s.time + gap, aggregate: agg)
            // Merge every session this sample touches (a late-ish sample can bridge two sessions).
            var keep: [WindowResult] = []
            for w in sessions {
                if s.time >= w.start - gap && s.time < w.end {
                    merged.aggregate.merge(w.aggregate)
                    merged.start = min(merged.start, w.start)
                    merged.end = max(merged.end, w.end)
                } else {
                    keep.append(w)
                }
            }
            keep.append(merged)
            sessions = keep.sorted { $0.start < $1.start }
        }
        return fire()
    }

    /// Moves the watermark on by processing time and returns the windows it closes.
    public mutating func advance(to t: Double) -> [WindowResult] {
        watermark.advance(to: t)
        return fire()
    }

    mutating func fire() -> [WindowResult] {
        let w = watermark.value
        switch spec {
        case .tumbling, .sliding:
            let size = size()
            let done = open.keys.filter { $0 + size <= w }.sorted()
            return done.map { start in
                let agg = open.removeValue(forKey: start)!
                return WindowResult(key: key, start: start, end: start + size, aggregate: agg)
            }
        case .session:
            let done = sessions.filter { $0.end <= w }
            sessions.removeAll { $0.end <= w }
            return done
        }
    }
}
